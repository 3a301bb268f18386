/**
 * The payload codec (runtime/encryption.ts) and its keys' configuration (runtime/config.ts), without a server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { parse as parseYaml } from 'yaml';
import { ConfigError, configuredKeyRing, developmentKeyRing, loadConfig, requiredKeyRing } from '../runtime/config.js';
import { AAD_SCHEME, EncryptionCodec, EncryptionError, ENCODING, KEY_ID, municipalityCodec, municipalityOfWorkflow, WORKFLOW_ID } from '../runtime/encryption.js';
import { staticKeyRing } from '../runtime/keys.js';
import { failureConverter } from '../runtime/failure-converter.cjs';
import { metadataOf } from './helpers/payloads.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const ring = (current: string, keys: Record<string, string>) => staticKeyRing({ municipalities: { GM0363: { current, keys } } });
const ctx = (workflowId: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId });
const json = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('latin1');

describe('EncryptionCodec', () => {
  const codec = new EncryptionCodec(ring('2026-12', { '2026-12': key(1) }));

  it('encrypts the whole payload under the municipality of the workflow id, and decrypts it back as it was', async () => {
    const original = json({ notitie: 'KANARIE-GEHEIM' });
    const [encoded] = await codec.encode([original], ctx('GM0363-ZAAK-1'));
    expect(metadataOf(encoded!)).toEqual({ encoding: ENCODING, [KEY_ID]: 'GM0363/2026-12', [WORKFLOW_ID]: 'GM0363-ZAAK-1', [AAD_SCHEME]: 'key-and-workflow' });
    expect(text(encoded!)).not.toContain('KANARIE');
    expect(text(encoded!)).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded!]);
    expect(metadataOf(decoded!)).toEqual(metadataOf(original));
    expect(Buffer.from(decoded!.data!).equals(Buffer.from(original.data!))).toBe(true);
    // A fresh IV every time.
    const [again] = await codec.encode([original], ctx('GM0363-ZAAK-1'));
    expect(Buffer.from(again!.data!).equals(Buffer.from(encoded!.data!))).toBe(false);
  });

  it('finds the municipality in trajectory, catalog and activity contexts', async () => {
    expect(municipalityOfWorkflow('GM0363-ZAAK-2026-0042')).toBe('GM0363');
    expect(municipalityOfWorkflow('waakvlam-definitions-GM0363')).toBe('GM0363');
    expect(municipalityOfWorkflow('GM03631-x')).toBeUndefined();
    expect(municipalityOfWorkflow('ZAAK-1')).toBeUndefined();
    const [p] = await codec.encode([json(1)], { type: 'activity', namespace: 'default', workflowId: 'GM0363-ZAAK-1', activityId: '1', isLocal: false });
    expect(metadataOf(p!)[KEY_ID]).toBe('GM0363/2026-12');
  });

  it('refuses to encode without a context, without a municipality in it, or without a current key: never plain', async () => {
    await expect(codec.encode([json(1)])).rejects.toThrow(/no serialization context/);
    await expect(codec.encode([json(1)], { type: 'activity', namespace: 'default', isLocal: false })).rejects.toThrow(/activity context without a workflow id/);
    await expect(codec.encode([json(1)], ctx('ZAAK-1'))).rejects.toThrow(/names no municipality/);
    await expect(codec.encode([json(1)], ctx('GM0599-ZAAK-1'))).rejects.toThrow(/no current key for GM0599/);
    await expect(codec.encode([json(1)], ctx('GM0599-ZAAK-1'))).rejects.toBeInstanceOf(EncryptionError);
    expect(await codec.encode([])).toEqual([]);
  });

  it('passes unencrypted payloads through, and refuses unknown keys and altered payloads by name', async () => {
    const plain = json({ oud: 'van voor de codec' });
    expect(await codec.decode([plain])).toEqual([plain]);
    const other = new EncryptionCodec(ring('2025-06', { '2025-06': key(2) }));
    const [foreign] = await other.encode([json(1)], ctx('GM0363-ZAAK-1'));
    await expect(codec.decode([foreign!])).rejects.toThrow(/unknown key GM0363\/2025-06/);
    const [mine] = await codec.encode([json(1)], ctx('GM0363-ZAAK-1'));
    const altered = { ...mine!, data: Buffer.from(mine!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(codec.decode([altered])).rejects.toThrow(/does not decrypt/);
    // The key id is authenticated: a payload relabelled with another id of the same key does not decrypt.
    const twin = new EncryptionCodec(ring('a', { a: key(1), b: key(1) }));
    const [underA] = await twin.encode([json(1)], ctx('GM0363-ZAAK-1'));
    const relabelled = { ...underA!, metadata: { ...underA!.metadata, [KEY_ID]: Buffer.from('GM0363/b') } };
    await expect(twin.decode([relabelled])).rejects.toThrow(/does not decrypt/);
    // So is the workflow id the access log names: moved to another workflow, or its binding stripped, it does not decrypt.
    const moved = { ...mine!, metadata: { ...mine!.metadata, [WORKFLOW_ID]: Buffer.from('GM0363-ZAAK-2') } };
    await expect(codec.decode([moved])).rejects.toThrow(/does not decrypt/);
    const { [AAD_SCHEME]: _scheme, ...unbound } = mine!.metadata!;
    await expect(codec.decode([{ ...mine!, metadata: unbound }])).rejects.toThrow(/does not decrypt/);
  });

  it('still decrypts payloads encrypted before the workflow id was bound (the key id alone authenticated)', async () => {
    const original = json({ oud: 'van voor de binding' });
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key(1), 'base64'), iv);
    cipher.setAAD(Buffer.from('GM0363/2026-12', 'utf8'));
    const sealed = Buffer.concat([cipher.update(proto.temporal.api.common.v1.Payload.encode(original).finish()), cipher.final()]);
    const older: Payload = {
      metadata: { encoding: Buffer.from(ENCODING), [KEY_ID]: Buffer.from('GM0363/2026-12'), [WORKFLOW_ID]: Buffer.from('GM0363-ZAAK-1') },
      data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
    };
    const [decoded] = await codec.decode([older]);
    expect(Buffer.from(decoded!.data!).equals(Buffer.from(original.data!))).toBe(true);
  });

  it('decrypts with every key of the ring after a rotation, and encrypts with the current one', async () => {
    const before = new EncryptionCodec(ring('k1', { k1: key(1) }));
    const after = new EncryptionCodec(ring('k2', { k1: key(1), k2: key(2) }));
    const [old] = await before.encode([json('oud')], ctx('GM0363-Z'));
    const [young] = await after.encode([json('nieuw')], ctx('GM0363-Z'));
    expect(metadataOf(young!)[KEY_ID]).toBe('GM0363/k2');
    expect((await after.decode([old!, young!])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['oud', 'nieuw']);
  });

  it('gives the codec server a codec of one municipality: encodes without a context, never for another one', async () => {
    const server = municipalityCodec(ring('2026-12', { '2026-12': key(1) }), 'GM0363');
    const [p] = await server.encode([json('ui')]);
    expect(metadataOf(p!)).toEqual({ encoding: ENCODING, [KEY_ID]: 'GM0363/2026-12' });
    expect(defaultPayloadConverter.fromPayload((await server.decode([p!]))[0]!)).toBe('ui');
    await expect(server.encode([json('ui')], ctx('GM0599-Z'))).rejects.toThrow(/not one of GM0363/);
  });

  it('has development keys for any municipality, distinct per municipality', async () => {
    const dev = developmentKeyRing();
    expect((await dev.current('GM0363'))!.id).toBe('GM0363/development');
    expect((await dev.current('GM0363'))!.key.equals((await dev.current('GM0599'))!.key)).toBe(false);
    expect(await dev.byId('GM0363/other')).toBeUndefined();
    expect(await dev.current('ZAAK')).toBeUndefined();
  });
});

describe('the failure converter', () => {
  it('moves message and stack into the encoded attributes (which the codec encrypts), in a workflow context', () => {
    const failure = failureConverter.errorToFailure(new Error('KANARIE-FOUT'), defaultPayloadConverter, ctx('GM0363-Z'));
    expect(failure.message).toBe('Encoded failure');
    expect(failure.encodedAttributes).toBeTruthy();
  });

  it('withholds message and stack without a context (the worker reporting an activation it could not process)', () => {
    const failure = failureConverter.errorToFailure(new Error('KANARIE-FOUT'), defaultPayloadConverter);
    expect(JSON.stringify(failure)).not.toContain('KANARIE');
    expect(failure.encodedAttributes).toBeUndefined();
    const own = failureConverter.errorToFailure(new EncryptionError('encryption: unknown key GM0363/x'), defaultPayloadConverter);
    expect(own.message).toContain('unknown key GM0363/x');
  });
});

describe('key configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waakvlam-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const error = (env: NodeJS.ProcessEnv) => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('no error');
  };
  const secret = key(7);

  it('reads a YAML key file or inline JSON', async () => {
    const yaml = file('keys.yaml', `municipalities:\n  GM0363:\n    current: '2026-12'\n    keys:\n      '2026-12': '${key(1)}'\n      '2025-06': '${key(2)}'\n`);
    const fromFile = loadConfig({ WAAKVLAM_KEYS_FILE: yaml });
    expect(fromFile.keys!.variable).toBe('WAAKVLAM_KEYS_FILE');
    expect((await configuredKeyRing(fromFile)!.current('GM0363'))!.id).toBe('GM0363/2026-12');
    expect(await configuredKeyRing(fromFile)!.byId('GM0363/2025-06')).toBeTruthy();
    const inline = loadConfig({ WAAKVLAM_KEYS: JSON.stringify({ municipalities: { GM0599: { current: 'a', keys: { a: key(3) } } } }) });
    expect((await configuredKeyRing(inline)!.current('GM0599'))!.id).toBe('GM0599/a');
    expect(configuredKeyRing(loadConfig({}))).toBeUndefined();
  });

  it('refuses bad keys, naming the variable and never the key bytes', () => {
    const short = Buffer.alloc(16, 9).toString('base64');
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ WAAKVLAM_KEYS: JSON.stringify({ municipalities: { GM0363: { current: 'a', keys: { a: short } } } }) }, /WAAKVLAM_KEYS: GM0363\/a is 16 bytes, not 32/],
      [{ WAAKVLAM_KEYS: JSON.stringify({ municipalities: { GM0363: { current: 'b', keys: { a: secret } } } }) }, /WAAKVLAM_KEYS: GM0363: the current key "b" is not among its keys/],
      [{ WAAKVLAM_KEYS: JSON.stringify({ municipalities: { GM0363: { current: 'a', keys: { a: secret } } } }), WAAKVLAM_KEYS_FILE: '/x' }, /WAAKVLAM_KEYS_FILE and WAAKVLAM_KEYS: set one of them, not both/],
      [{ WAAKVLAM_KEYS: JSON.stringify({ municipalities: { Amsterdam: { current: 'a', keys: { a: secret } } } }) }, /WAAKVLAM_KEYS: Amsterdam is not a municipality code/],
      [{ WAAKVLAM_KEYS: `{"municipalities": {"GM0363": {"current": "a", "keys": {"a": "${secret}"}}}` }, /WAAKVLAM_KEYS: not valid JSON/],
      [{ WAAKVLAM_KEYS: JSON.stringify({ municipalities: { GM0363: { current: 'a', keys: { a: `${secret}!` } } } }) }, /WAAKVLAM_KEYS: key GM0363\/a: not base64/],
      [{ WAAKVLAM_KEYS_FILE: join(dir, 'missing.yaml') }, /WAAKVLAM_KEYS_FILE: cannot read .*missing\.yaml \(ENOENT\)/],
      [{ WAAKVLAM_KEYS_FILE: file('broken.yaml', `municipalities:\n  GM0363:\n    current: a\n   keys: { a: '${secret}' }\n`) }, /WAAKVLAM_KEYS_FILE: not valid YAML or JSON \(line \d+\)/],
      [{ WAAKVLAM_KEYS_FILE: file('short.yaml', `municipalities:\n  GM0363:\n    current: a\n    keys:\n      a: '${short}'\n`) }, /WAAKVLAM_KEYS_FILE: GM0363\/a is 16 bytes, not 32/],
    ];
    for (const [env, expected] of cases) {
      const message = error(env);
      expect(message).toMatch(expected);
      expect(message).not.toContain(secret);
      expect(message).not.toContain(short);
    }
  });

  it('is required by the standalone worker and API', () => {
    expect(() => requiredKeyRing(loadConfig({}), 'a standalone worker')).toThrow(/WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: required for a standalone worker/);
  });

  it('npm run keys prints a key file that loads', { timeout: 30_000 }, async () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'entrypoints/keys.ts', '--municipality', 'GM0599', '--label', 'eerste'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const document = parseYaml(run.stdout) as { municipalities: Record<string, { keys: Record<string, string> }> };
    expect(Buffer.from(document.municipalities.GM0599!.keys.eerste!, 'base64')).toHaveLength(32);
    const config = loadConfig({ WAAKVLAM_KEYS_FILE: file('made.yaml', run.stdout) });
    expect((await configuredKeyRing(config)!.current('GM0599'))!.id).toBe('GM0599/eerste');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'entrypoints/keys.ts', '--municipality', 'Amsterdam'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
