/**
 * The codec server for the Temporal Web UI (issue #12 point 2), on the app with supertest (no Temporal server: the
 * codec server touches none): an operator decodes its own municipality's payloads and every decode is in the access
 * log without the content; another municipality's operator is refused with nothing decoded (and that is logged too);
 * other roles and no token are refused; CORS for the Web UI's origin only; the cookie session of the login page;
 * encode then decode.
 *
 * Encrypted payloads are made by the payload codec's contract (runtime/encryption.ts): metadata `encoding:
 * binary/encrypted`, `encryption-key-id`, `waakvlam-workflow-id`; data IV ‖ AES-256-GCM ciphertext ‖ tag, with the key
 * id as additional data, over the original Payload proto.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { pino } from 'pino';
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { configuredAppOptions, createApp } from '../api/app.js';
import { signToken, type Role } from '../api/auth.js';
import { createAuthenticator } from '../api/auth.js';
import { CODEC_LOGIN_CSP, municipalityCodecs, pinoCodecAccessLog, type CodecAccessEntry, type CodecServerOptions } from '../api/codec.js';
import { DefinitionRegistry } from '../definitions/registry.js';
import { loadConfig } from '../runtime/config.js';
import { EncryptionCodec } from '../runtime/encryption.js';
import { staticKeyRing, type KeyRing } from '../runtime/keys.js';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const SECRET = 'codec-server-test-secret-of-at-least-32-chars';
const UI = 'http://127.0.0.1:8233';
const key = () => randomBytes(32).toString('base64');
const ring = staticKeyRing({
  municipalities: {
    GM0363: { current: '2026-12', keys: { '2026-06': key(), '2026-12': key() } },
    GM0599: { current: '2026-12', keys: { '2026-12': key() } },
  },
});

/** The payload codec's contract, for one municipality (encodes with its current key; decodes any known key). */
function contractCodec(keys: KeyRing, municipality: string, workflowId = `${municipality}-ZAAK-2026-0042`): PayloadCodec {
  return {
    async encode(payloads) {
      const k = (await keys.current(municipality))!;
      return payloads.map((p) => {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', k.key, iv).setAAD(Buffer.from(k.id));
        const body = Buffer.concat([cipher.update(ProtoPayload.encode(p).finish()), cipher.final()]);
        const text = (s: string) => new Uint8Array(Buffer.from(s));
        return { metadata: { encoding: text('binary/encrypted'), 'encryption-key-id': text(k.id), 'waakvlam-workflow-id': text(workflowId) }, data: Buffer.concat([iv, body, cipher.getAuthTag()]) };
      });
    },
    async decode(payloads) {
      return Promise.all(
        payloads.map(async (p) => {
          const id = Buffer.from(p.metadata!['encryption-key-id']!).toString();
          const k = await keys.byId(id);
          if (!k) throw new Error(`unknown key ${id}`);
          const data = Buffer.from(p.data!);
          const decipher = createDecipheriv('aes-256-gcm', k.key, data.subarray(0, 12)).setAAD(Buffer.from(id));
          decipher.setAuthTag(data.subarray(data.length - 16));
          const plain = ProtoPayload.decode(Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]));
          return { metadata: plain.metadata, data: plain.data } as Payload;
        }),
      );
    },
  };
}

const CANARY = 'Schuld bij de Belastingdienst 4711';
const jsonPayload = (value: unknown): Payload => ({ metadata: { encoding: new Uint8Array(Buffer.from('json/plain')) }, data: new Uint8Array(Buffer.from(JSON.stringify(value))) });
const asJson = (payloads: Payload[]) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  })),
});
const fromWire = (body: { payloads: Array<{ metadata: Record<string, string>; data: string }> }): Payload[] =>
  body.payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])), data: new Uint8Array(Buffer.from(p.data, 'base64')) }));
const dataOf = (p: { data?: string }) => Buffer.from(p.data ?? '', 'base64').toString('utf8');
const metaOf = (p: { metadata?: Record<string, string> }, k: string) => Buffer.from(p.metadata?.[k] ?? '', 'base64').toString('utf8');

function setup(codec: Partial<CodecServerOptions> = {}) {
  const entries: CodecAccessEntry[] = [];
  const app = createApp({
    client: {} as Client,
    definitions: DefinitionRegistry.shipped({ activities: [] }),
    taskQueue: 'codec',
    logger: pino({ level: 'silent' }),
    authenticate: createAuthenticator({ secret: SECRET }),
    codec: { codecFor: (m) => contractCodec(ring, m), corsOrigins: [UI], accessLog: { record: (e) => entries.push(e) }, ...codec },
  });
  return { app, entries };
}
const token = (role: Role, municipality = 'GM0363', subject = `${role}-1`, expiresIn: string | number = '1h') => signToken(SECRET, { role, municipality, subject, expiresIn });
const bearer = async (...args: Parameters<typeof token>) => `Bearer ${await token(...args)}`;

/** Encrypted payloads of a trajectory of `municipality`, with the canary in them. */
const encrypted = (municipality: string, n = 2) =>
  contractCodec(ring, municipality).encode(Array.from({ length: n }, (_, i) => jsonPayload({ schulden: CANARY, i })));

describe('decode', () => {
  it("decodes the operator's own municipality's payloads, passes unencrypted ones, and logs who, what workflow and how many, never the content", async () => {
    const { app, entries } = setup();
    const payloads = [...(await encrypted('GM0363')), jsonPayload({ plain: true })];
    // Encrypted, the canary is nowhere in what the Web UI sends.
    expect(JSON.stringify(asJson(payloads))).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 12));
    const res = await request(app)
      .post('/v1/codec/decode')
      .set('authorization', await bearer('operator', 'GM0363', 'beheerder-2'))
      .set('x-namespace', 'default')
      .send(asJson(payloads))
      .expect(200);
    expect(res.body.payloads).toHaveLength(3);
    expect(JSON.parse(dataOf(res.body.payloads[0]))).toEqual({ schulden: CANARY, i: 0 });
    expect(metaOf(res.body.payloads[0], 'encoding')).toBe('json/plain');
    expect(JSON.parse(dataOf(res.body.payloads[1]))).toEqual({ schulden: CANARY, i: 1 });
    expect(JSON.parse(dataOf(res.body.payloads[2]))).toEqual({ plain: true });

    expect(entries).toEqual([
      { access: 'codec', subject: 'beheerder-2', municipality: 'GM0363', namespace: 'default', workflows: ['GM0363-ZAAK-2026-0042'], payloads: 3, encrypted: 2, decision: 'decoded' },
    ]);
    expect(JSON.stringify(entries)).not.toMatch(/Schuld|4711|schulden/);
  });

  it('decodes what a retired key of the municipality encrypted', async () => {
    const { app } = setup();
    const old = staticKeyRing({ municipalities: {} });
    expect(await old.current('GM0363')).toBeUndefined();
    // A ring whose current key for GM0363 is the retired 2026-06 (as the codec wrote before the rotation).
    const before: KeyRing = { current: async () => ring.byId('GM0363/2026-06'), byId: (id) => ring.byId(id) };
    const payloads = await contractCodec(before, 'GM0363').encode([jsonPayload({ voor: 'rotatie' })]);
    expect(metaOf(asJson(payloads).payloads[0]!, 'encryption-key-id')).toBe('GM0363/2026-06');
    const res = await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator')).send(asJson(payloads)).expect(200);
    expect(JSON.parse(dataOf(res.body.payloads[0]))).toEqual({ voor: 'rotatie' });
  });

  it("refuses another municipality's payloads with 403, decodes nothing of the request, and logs the refusal", async () => {
    const { app, entries } = setup();
    const theirs = await encrypted('GM0363', 1);
    const mine = await encrypted('GM0599', 1);
    for (const payloads of [theirs, [...mine, ...theirs]]) {
      const res = await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator', 'GM0599', 'beheerder-zaandam')).set('x-namespace', 'default').send(asJson(payloads));
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/forbidden', status: 403 });
      expect(res.body.payloads).toBeUndefined();
      expect(res.text).not.toContain(CANARY);
      expect(res.text).not.toContain('schulden');
    }
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      access: 'codec', subject: 'beheerder-zaandam', municipality: 'GM0599', namespace: 'default', workflows: ['GM0363-ZAAK-2026-0042'], payloads: 1, encrypted: 1, decision: 'refused', reason: 'other-municipality',
    });
    expect(entries[1]).toMatchObject({ decision: 'refused', reason: 'other-municipality', workflows: ['GM0599-ZAAK-2026-0042', 'GM0363-ZAAK-2026-0042'], payloads: 2 });
  });

  it('refuses a payload it cannot decrypt (damaged) with 422, nothing decoded, and logs it', async () => {
    const { app, entries } = setup();
    const [good, bad] = await encrypted('GM0363');
    bad!.data![20] = bad!.data![20]! ^ 1;
    const res = await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator')).send(asJson([good!, bad!]));
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/payload 1 cannot be decrypted/);
    expect(res.text).not.toContain(CANARY);
    expect(entries).toEqual([expect.objectContaining({ decision: 'refused', reason: 'cannot-decrypt', payloads: 2 })]);
  });

  it('is for operators only: other roles 403, no or a bad token 401, nothing decoded', async () => {
    const { app, entries } = setup();
    const body = asJson(await encrypted('GM0363'));
    for (const role of ['case-system', 'manager'] as const) {
      const res = await request(app).post('/v1/codec/decode').set('authorization', await bearer(role)).send(body);
      expect(res.status, role).toBe(403);
      expect(res.body.detail).toMatch(/allowed: operator/);
    }
    const none = await request(app).post('/v1/codec/decode').send(body);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await request(app).post('/v1/codec/encode').send(body)).status).toBe(401);
    expect((await request(app).post('/v1/codec/decode').set('authorization', `Bearer ${await signToken('another-secret-of-at-least-32-characters!', { role: 'operator', municipality: 'GM0363', subject: 'x' })}`).send(body)).status).toBe(401);
    expect(entries).toEqual([]);
  });

  it('without keys, passes unencrypted payloads and answers 503 for encrypted ones', async () => {
    const { app } = setup({ codecFor: undefined });
    const auth = await bearer('operator');
    const plain = await request(app).post('/v1/codec/decode').set('authorization', auth).send(asJson([jsonPayload(1)])).expect(200);
    expect(dataOf(plain.body.payloads[0])).toBe('1');
    expect((await request(app).post('/v1/codec/decode').set('authorization', auth).send(asJson(await encrypted('GM0363')))).status).toBe(503);
    expect((await request(app).post('/v1/codec/encode').set('authorization', auth).send(asJson([jsonPayload(1)]))).status).toBe(503);
  });

  it('writes the access log on a pino child logger of its own: the entry, no content', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }));
    const { app } = setup({ accessLog: pinoCodecAccessLog(logger) });
    await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator', 'GM0363', 'beheerder-2')).send(asJson(await encrypted('GM0363'))).expect(200);
    const [line] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ access: 'codec', subject: 'beheerder-2', municipality: 'GM0363', workflows: ['GM0363-ZAAK-2026-0042'], payloads: 2, decision: 'decoded', msg: 'codec decode' });
    expect(lines.join('')).not.toMatch(/Schuld|schulden/);
  });
});

describe('encode', () => {
  it("encrypts with the current key of the token's municipality; decoding gives the original back, to that municipality only", async () => {
    const { app } = setup();
    const auth = await bearer('operator');
    const original = [jsonPayload({ signaal: CANARY }), jsonPayload(null)];
    const encoded = await request(app).post('/v1/codec/encode').set('authorization', auth).send(asJson(original)).expect(200);
    expect(encoded.body.payloads).toHaveLength(2);
    for (const p of encoded.body.payloads) {
      expect(metaOf(p, 'encoding')).toBe('binary/encrypted');
      expect(metaOf(p, 'encryption-key-id')).toBe('GM0363/2026-12');
      expect(dataOf(p)).not.toContain('signaal');
    }
    const decoded = await request(app).post('/v1/codec/decode').set('authorization', auth).send(encoded.body).expect(200);
    expect(decoded.body).toEqual(asJson(original));
    expect((await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator', 'GM0599')).send(encoded.body)).status).toBe(403);
    expect((await request(app).post('/v1/codec/encode').set('authorization', await bearer('case-system')).send(asJson(original))).status).toBe(403);
  });
});

describe("with the worker's payload codec (runtime/encryption.ts), as the entry points configure it", () => {
  it('decodes what a trajectory wrote, for its municipality only, and encodes what the worker reads back', async () => {
    const worker = new EncryptionCodec(ring);
    const { app, entries } = setup({ codecFor: configuredAppOptions(loadConfig({}), ring).codec.codecFor });
    const stored = await worker.encode([jsonPayload({ schulden: CANARY })], { type: 'workflow', namespace: 'default', workflowId: 'GM0363-ZAAK-2026-0077' });
    const decoded = await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator')).send(asJson(stored)).expect(200);
    expect(decoded.body).toEqual(asJson([jsonPayload({ schulden: CANARY })]));
    expect(entries.at(-1)).toMatchObject({ workflows: ['GM0363-ZAAK-2026-0077'], decision: 'decoded' });
    expect((await request(app).post('/v1/codec/decode').set('authorization', await bearer('operator', 'GM0599')).send(asJson(stored))).status).toBe(403);

    const typed = await request(app).post('/v1/codec/encode').set('authorization', await bearer('operator')).send(asJson([jsonPayload({ signaal: 1 })])).expect(200);
    expect(metaOf(typed.body.payloads[0], 'encryption-key-id')).toBe('GM0363/2026-12');
    const payloads = fromWire(typed.body);
    expect(asJson(await worker.decode(payloads))).toEqual(asJson([jsonPayload({ signaal: 1 })]));
  });
});

describe('municipalityCodecs', () => {
  it("encodes through the worker's codec as a workflow of the municipality would, and decodes without a context", async () => {
    const calls: unknown[] = [];
    const codec: PayloadCodec = {
      encode: async (p, context?: unknown) => (calls.push(['encode', context]), p),
      decode: async (p, context?: unknown) => (calls.push(['decode', context]), p),
    };
    const gm0363 = municipalityCodecs(codec, 'gemeente')('GM0363');
    await gm0363.encode([jsonPayload(1)]);
    await gm0363.decode([jsonPayload(1)]);
    expect(calls).toEqual([['encode', { type: 'workflow', namespace: 'gemeente', workflowId: 'GM0363' }], ['decode', undefined]]);
  });
});

describe('CORS for the Web UI', () => {
  it('answers a preflight from an allowed origin with the headers, from another without them', async () => {
    const { app } = setup();
    for (const path of ['/v1/codec/decode', '/v1/codec/encode']) {
      const ok = await request(app).options(path).set('origin', UI).set('access-control-request-method', 'POST').set('access-control-request-headers', 'authorization,content-type,x-namespace');
      expect(ok.status, path).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(UI);
      expect(ok.headers['access-control-allow-credentials']).toBe('true');
      expect(ok.headers['access-control-allow-methods']).toContain('POST');
      for (const h of ['authorization', 'content-type', 'x-namespace']) expect(ok.headers['access-control-allow-headers']).toContain(h);
      expect(ok.headers.vary).toMatch(/Origin/i);

      const other = await request(app).options(path).set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
      expect(other.status).toBeLessThan(500);
      for (const h of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers']) expect(other.headers[h], h).toBeUndefined();
    }
  });

  it('puts the headers on answers to the allowed origin, refusals included, so the Web UI can read them', async () => {
    const { app } = setup();
    const ok = await request(app).post('/v1/codec/decode').set('origin', UI).set('authorization', await bearer('operator')).send(asJson([jsonPayload(1)])).expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe(UI);
    const refused = await request(app).post('/v1/codec/decode').set('origin', UI).send(asJson([]));
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(UI);
    const elsewhere = await request(app).post('/v1/codec/decode').set('origin', 'https://evil.example').set('authorization', await bearer('operator')).send(asJson([]));
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
    // Nothing of the rest of the API is opened to the Web UI's origin.
    const other = await request(app).get('/v1/health/live').set('origin', UI);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the cookie session', () => {
  it('serves the login page under a strict Content-Security-Policy, its script a file of this origin', async () => {
    const { app } = setup();
    const page = await request(app).get('/v1/codec/login').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(CODEC_LOGIN_CSP);
    expect(CODEC_LOGIN_CSP).toMatch(/default-src 'none'/);
    expect(CODEC_LOGIN_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1]!.trim())).toEqual(['src="/v1/codec/login.js"']);
    expect(scripts.every((m) => m[2]!.trim() === '')).toBe(true);
    expect(page.text).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const script = await request(app).get('/v1/codec/login.js').expect(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.text).toContain("fetch('/v1/codec/session'");
  });

  it('sets an operator token as an HttpOnly, Secure, SameSite=None cookie for the codec path, decodes with the cookie alone, and clears it', async () => {
    const { app, entries } = setup();
    const jwt = await token('operator', 'GM0363', 'beheerder-2', 3600);
    const session = await request(app).post('/v1/codec/session').send({ token: jwt }).expect(200);
    expect(session.body).toMatchObject({ subject: 'beheerder-2', municipality: 'GM0363' });
    const [cookie] = session.headers['set-cookie'] as unknown as string[];
    const attributes = cookie!.split(';').map((a) => a.trim());
    expect(attributes[0]).toBe(`waakvlam_codec=${jwt}`);
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=None', 'Path=/v1/codec']));
    const maxAge = Number(attributes.find((a) => a.startsWith('Max-Age='))!.split('=')[1]);
    expect(maxAge).toBeGreaterThan(3500);
    expect(maxAge).toBeLessThanOrEqual(3600);

    // The Web UI with "include cross-origin credentials": the cookie, no Authorization header.
    const payloads = asJson(await encrypted('GM0363', 1));
    const decoded = await request(app).post('/v1/codec/decode').set('origin', UI).set('cookie', `other=1; waakvlam_codec=${jwt}`).send(payloads).expect(200);
    expect(JSON.parse(dataOf(decoded.body.payloads[0]))).toMatchObject({ schulden: CANARY });
    expect(entries.at(-1)).toMatchObject({ subject: 'beheerder-2', decision: 'decoded' });
    expect(decoded.headers['cache-control']).toBe('no-store');
    // A Web UI without a login of its own, with "pass access token": the cookie still counts.
    expect((await request(app).post('/v1/codec/decode').set('origin', UI).set('authorization', 'Bearer undefined').set('cookie', `waakvlam_codec=${jwt}`).send(payloads)).status).toBe(200);
    // A bearer JWT wins over the cookie.
    expect((await request(app).post('/v1/codec/decode').set('authorization', await bearer('case-system')).set('cookie', `waakvlam_codec=${jwt}`).send(payloads)).status).toBe(403);
    // The cookie goes wherever the browser sends it: from an origin not allowed, it is refused.
    expect((await request(app).post('/v1/codec/decode').set('origin', 'https://evil.example').set('cookie', `waakvlam_codec=${jwt}`).send(payloads)).status).toBe(403);

    const out = await request(app).delete('/v1/codec/session').expect(204);
    const [cleared] = out.headers['set-cookie'] as unknown as string[];
    expect(cleared).toMatch(/^waakvlam_codec=;/);
    expect(cleared).toMatch(/Max-Age=0/);
    expect(cleared).toMatch(/Path=\/v1\/codec/);
    // Without the cookie (the browser dropped it), the Web UI's request is a 401.
    expect((await request(app).post('/v1/codec/decode').set('origin', UI).send(payloads)).status).toBe(401);
  });

  it('keeps the cookie no longer than the token lives, and refuses tokens that are not valid operator tokens', async () => {
    const { app } = setup();
    const short = await request(app).post('/v1/codec/session').send({ token: await token('operator', 'GM0363', 'b', 120) }).expect(200);
    expect(Number(/Max-Age=(\d+)/.exec((short.headers['set-cookie'] as unknown as string[])[0]!)![1])).toBeLessThanOrEqual(120);
    const long = await request(app).post('/v1/codec/session').send({ token: await token('operator', 'GM0363', 'b', '7d') }).expect(200);
    expect(Number(/Max-Age=(\d+)/.exec((long.headers['set-cookie'] as unknown as string[])[0]!)![1])).toBeLessThanOrEqual(12 * 3600);

    const caseSystem = await request(app).post('/v1/codec/session').send({ token: await token('case-system') });
    expect(caseSystem.status).toBe(403);
    expect(caseSystem.headers['set-cookie']).toBeUndefined();
    const expired = await request(app).post('/v1/codec/session').send({ token: await token('operator', 'GM0363', 'b', -120) });
    expect(expired.status).toBe(401);
    expect(expired.headers['set-cookie']).toBeUndefined();
    expect((await request(app).post('/v1/codec/session').send({ token: 'not a jwt' })).status).toBe(400);
    expect((await request(app).post('/v1/codec/session').send({ token: await token('operator'), extra: 1 })).status).toBe(400);
    // A cookie with a case-system token decodes nothing either.
    const cs = await token('case-system');
    expect((await request(app).post('/v1/codec/decode').set('cookie', `waakvlam_codec=${cs}`).send(asJson([]))).status).toBe(403);
  });
});

describe('WAAKVLAM_CODEC_CORS_ORIGINS', () => {
  it('is a comma-separated list of origins, empty when unset; anything but an origin is a configuration error', () => {
    expect(loadConfig({}).api.codecCorsOrigins).toEqual([]);
    expect(loadConfig({ WAAKVLAM_CODEC_CORS_ORIGINS: ' https://temporal.gemeente.example, http://localhost:8080 ' }).api.codecCorsOrigins).toEqual([
      'https://temporal.gemeente.example',
      'http://localhost:8080',
    ]);
    for (const bad of ['https://temporal.gemeente.example/', 'temporal.gemeente.example', '*', 'https://x.example/ui']) {
      expect(() => loadConfig({ WAAKVLAM_CODEC_CORS_ORIGINS: bad }), bad).toThrow(/WAAKVLAM_CODEC_CORS_ORIGINS/);
    }
    expect(configuredAppOptions(loadConfig({ WAAKVLAM_CODEC_CORS_ORIGINS: 'http://localhost:8080' })).codec).toEqual({ corsOrigins: ['http://localhost:8080'] });
  });
});

describe('the contract', () => {
  it('documents the codec routes: operators only for decode and encode, their preflights, the session', async () => {
    const { app } = setup();
    const { paths } = (await request(app).get('/v1/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { 'x-roles'?: string[]; security?: unknown[]; responses: Record<string, unknown> }>> };
    for (const which of ['decode', 'encode']) {
      expect(paths[`/v1/codec/${which}`]!.post!['x-roles']).toEqual(['operator']);
      expect(Object.keys(paths[`/v1/codec/${which}`]!.post!.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
      expect(paths[`/v1/codec/${which}`]!.options!.security).toEqual([]);
    }
    expect(Object.keys(paths['/v1/codec/session']!)).toEqual(['post', 'delete']);
    expect(Object.keys(paths['/v1/codec/session']!.post!.responses)).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(paths['/v1/codec/login']!.get).toBeDefined();
  });
});
