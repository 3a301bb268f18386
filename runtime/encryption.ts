/**
 * The payload codec (issue #12 point 1): every payload Waakvlam writes to Temporal is encrypted with AES-256-GCM under
 * the current key of the trajectory's municipality (runtime/keys.ts), so the history, the database and its backups
 * hold no family data in the clear.
 *
 * An encrypted payload is `encoding: binary/encrypted`, `encryption-key-id: <municipality>/<label>` (the key that
 * decrypts it; never secret), `waakvlam-workflow-id: <workflow id>` (pseudonymous: what the codec server's access
 * log names), `encryption-aad: key-and-workflow`, and `data` = IV (12 random bytes) ‖ ciphertext ‖ GCM tag (16 bytes).
 * The plaintext is the whole original Payload proto (its metadata too: `json/plain`, `binary/null`, …); the key id and
 * the workflow id are the additional authenticated data, so a payload cannot be passed off as another key's or another
 * workflow's (payloads from before the workflow id was bound, without `encryption-aad`, authenticate the key id only).
 *
 * Which municipality: the `GM` code in the workflow id of the serialization context the SDK hands the codec
 * (`GM0363-<caseRef>` for a trajectory, `waakvlam-definitions-GM0363` for a catalog). In SDK 1.24 (the context is
 * `@experimental`, present since 1.14) every call that writes a workflow's payloads passes one:
 * - client: start and signal-with-start (input, memo, user metadata), signal, query (arguments and the answer),
 *   update (arguments, result, failure), result/failure of a closed run, describe and list (memo, user metadata):
 *   the target workflow's context;
 * - worker: a workflow's activations (decoding) and completions (encoding: results, commands, query answers, update
 *   results, failures, upserted memo): the workflow's context; an activity's arguments, result, failure and heartbeat
 *   details: an activity context carrying the workflow id of the workflow that scheduled it;
 * - replay (`Worker.runReplayHistories`): the replayed workflow's context.
 * What comes without one: the worker's report of an activation it could not process (a payload it could not decode,
 * say: a failed workflow task whose failure the worker converts without a context; the failure converter withholds
 * its message and stack then, see runtime/failure-converter.cjs, so nothing reaches this codec); the activity
 * client's standalone activities and `AsyncCompletionClient` (completing an activity by task token), and schedules,
 * none of which Waakvlam uses. Not payloads at all, so never encrypted: search attributes, and the patch markers
 * the SDK's core records for `patched()` (a revision's id). Encoding anything without a context, or with
 * a workflow id that names no municipality, or for a municipality without a current key, throws
 * {@link EncryptionError}: family data is never written unencrypted. (An empty list of payloads encodes to an empty
 * list, whatever the context.) Search attributes stay plain, so they hold pseudonymous values only (see
 * workflows/search-attributes.ts; test/encryption.e2e.test.ts checks it).
 *
 * Decoding needs no context: the key id is in the payload. Payloads without `binary/encrypted` pass through unchanged,
 * so histories recorded before the codec still replay and their trajectories still run; an unknown key id is an
 * {@link EncryptionError} naming the id.
 *
 * Failures: the data converter (runtime/data-converter.ts) encodes a failure's message and stack trace into its
 * encoded attributes, which this codec then encrypts like any payload.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { KeyRing } from './keys.js';

// @temporalio/proto is CommonJS: its namespaces are reached through the default export at run time.
const ProtoPayload = proto.temporal.api.common.v1.Payload;

export const ENCODING = 'binary/encrypted';
export const KEY_ID = 'encryption-key-id';
export const WORKFLOW_ID = 'waakvlam-workflow-id';
/**
 * Present (`key-and-workflow`) on payloads whose additional authenticated data is the key id and the workflow id, so
 * that neither can be changed without the payload failing to decrypt. Payloads encrypted before it (the key id alone)
 * still decrypt; removing the marker from a newer payload makes it fail, as any change does.
 */
export const AAD_SCHEME = 'encryption-aad';
const KEY_AND_WORKFLOW = 'key-and-workflow';

/** The additional authenticated data of a payload: the key id, and the workflow id when the scheme binds it. */
function additionalData(keyId: string, workflowId: string | undefined): Buffer {
  return Buffer.from(workflowId === undefined ? keyId : `${keyId}\n${workflowId}`, 'utf8');
}
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MUNICIPALITY_IN_ID = /(?:^|[^A-Za-z0-9])(GM\d{4})(?![0-9])/;

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** The codec refuses: no context, no municipality, no current key, an unknown key id, a tampered payload. */
export class EncryptionError extends Error {
  override name = 'EncryptionError';
  /** Set when the refusal is a municipality without a current key: the deployment's configuration, not the data. */
  readonly missingKeyOf?: string;
  constructor(message: string, options: { missingKeyOf?: string } = {}) {
    super(message);
    if (options.missingKeyOf) this.missingKeyOf = options.missingKeyOf;
  }
}

/** The workflow id of a serialization context: the workflow's own, or the one that scheduled the activity. */
export function contextWorkflowId(context: SerializationContext | undefined): string | undefined {
  return context?.workflowId;
}

/** The municipality (`GM` and four digits) a workflow id belongs to: the first such code in it, else undefined. */
export function municipalityOfWorkflow(workflowId: string): string | undefined {
  return MUNICIPALITY_IN_ID.exec(workflowId)?.[1];
}

/** Whether a payload is one this codec encrypted. */
export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCODING;
}

/** See the module's documentation. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (!payloads.length) return payloads;
    const workflowId = contextWorkflowId(context);
    if (!workflowId) {
      throw new EncryptionError(
        `encryption: a payload without a workflow context (${context ? `${context.type} context without a workflow id` : 'no serialization context'}); refusing to write it unencrypted`,
      );
    }
    const municipality = municipalityOfWorkflow(workflowId);
    if (!municipality) throw new EncryptionError(`encryption: workflow ${workflowId} names no municipality (GM and four digits); refusing to write its payloads unencrypted`);
    return this.encrypt(payloads, municipality, workflowId);
  }

  /** Encrypts with `municipality`'s current key; `workflowId`, when known, goes into the metadata. */
  async encrypt(payloads: Payload[], municipality: string, workflowId: string | undefined): Promise<Payload[]> {
    const key = await this.keys.current(municipality);
    if (!key) throw new EncryptionError(`encryption: no current key for ${municipality}; refusing to write its payloads unencrypted`, { missingKeyOf: municipality });
    // The same for every payload of the call: the authenticated data and the metadata's bytes.
    const aad = additionalData(key.id, workflowId || undefined);
    const encoding = utf8(ENCODING);
    const keyId = utf8(key.id);
    const bound: Record<string, Uint8Array> = workflowId ? { [WORKFLOW_ID]: utf8(workflowId), [AAD_SCHEME]: utf8(KEY_AND_WORKFLOW) } : {};
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.key, iv);
      cipher.setAAD(aad);
      const ciphertext = Buffer.concat([cipher.update(ProtoPayload.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { encoding, [KEY_ID]: keyId, ...bound } as Record<string, Uint8Array>,
        data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload)));
  }

  private async decrypt(payload: Payload): Promise<Payload> {
    const id = text(payload.metadata?.[KEY_ID]);
    if (!id) throw new EncryptionError(`encryption: an encrypted payload without ${KEY_ID}`);
    const key = await this.keys.byId(id);
    if (!key) throw new EncryptionError(`encryption: unknown key ${id}: add it to the key ring (a retired key must stay to decrypt what it encrypted)`);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new EncryptionError(`encryption: a payload under ${id} too short to be encrypted`);
    const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
    const bound = text(payload.metadata?.[AAD_SCHEME]) === KEY_AND_WORKFLOW;
    decipher.setAAD(additionalData(id, bound ? (text(payload.metadata?.[WORKFLOW_ID]) ?? '') : undefined));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new EncryptionError(`encryption: a payload under ${id} does not decrypt (altered, or another key with the same id)`);
    }
    const decoded = ProtoPayload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}

/**
 * The codec of one municipality, for the codec server (api/codec.ts): encodes with its current key whatever the
 * context (the Web UI sends none; a context's workflow id, when given, must be the municipality's and goes into the
 * metadata), decodes like {@link EncryptionCodec} (the codec server checks first that every key is the municipality's).
 */
export function municipalityCodec(keys: KeyRing, municipality: string): PayloadCodec {
  const codec = new EncryptionCodec(keys);
  return {
    encode: async (payloads, context) => {
      const workflowId = contextWorkflowId(context);
      if (workflowId && municipalityOfWorkflow(workflowId) !== municipality) {
        throw new EncryptionError(`encryption: workflow ${workflowId} is not one of ${municipality}`);
      }
      return codec.encrypt(payloads, municipality, workflowId);
    },
    decode: (payloads) => codec.decode(payloads),
  };
}
