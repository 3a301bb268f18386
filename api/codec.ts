/**
 * The codec server for the Temporal Web UI (Temporal's remote codec protocol, served under `/v1/codec`; the routes are
 * in api/routes/codec.ts): what it decodes for whom, how the Web UI's browser reaches it (CORS, a bearer token or the
 * session cookie), and the access log of every decode.
 *
 * - Decoding is for operators, and only of payloads encrypted with a key of the token's own municipality (the key id
 *   `<municipality>/<label>` in the payload's metadata says whose it is, without decrypting). One payload of another
 *   municipality refuses the whole request: nothing is decoded. Payloads that are not encrypted pass through.
 * - Encoding (what an operator types in the Web UI, e.g. a signal's input) uses the token's municipality's current key.
 * - Every decode and every refusal is one line in the access log ({@link CodecAccessLog}): who, which municipality,
 *   namespace and workflows, how many payloads, the decision. Never a payload's content.
 * - The Web UI runs on another origin: allowed origins (`WAAKVLAM_CODEC_CORS_ORIGINS`) get CORS with credentials.
 *   The token comes as `Authorization: Bearer` (the UI's "pass access token") or as the session cookie an operator
 *   sets on the login page `/v1/codec/login` (the UI's "include cross-origin credentials").
 */
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { municipalityOfKey } from '../runtime/keys.js';
import { isEncrypted, KEY_ID, WORKFLOW_ID } from '../runtime/encryption.js';
import type { CodecPayloadsJson } from './codec-schemas.js';
import { ProblemError } from './problem.js';

/** Where the codec server is mounted (the Web UI's codec endpoint). */
export const CODEC_PATH = '/v1/codec';

/** The session cookie: the operator's token, for the Web UI's "include cross-origin credentials". */
export const CODEC_COOKIE = 'waakvlam_codec';

/** The longest a session cookie lives, whatever the token's expiry. */
export const CODEC_SESSION_MAX_SECONDS = 12 * 60 * 60;

/** Request headers the Web UI sends to a codec server. */
export const CODEC_ALLOWED_HEADERS = ['authorization', 'authorization-extras', 'content-type', 'x-namespace'];

/** One line of the access log: who decoded (or was refused) what, never the content. */
export interface CodecAccessEntry {
  access: 'codec';
  /** The token's subject. */
  subject: string;
  /** The token's municipality. */
  municipality: string;
  /** The namespace the Web UI says it shows (`X-Namespace`), when it says one. */
  namespace: string | undefined;
  /** The workflows the payloads belong to (their `waakvlam-workflow-id`), each once. */
  workflows: string[];
  /** Payloads in the request, and how many of them were encrypted. */
  payloads: number;
  encrypted: number;
  decision: 'decoded' | 'refused';
  /** Why a request was refused: a key of another municipality, or a payload that cannot be decrypted. */
  reason?: 'other-municipality' | 'cannot-decrypt';
}

/**
 * Where access entries go. The default writes them on a pino child logger (`access: 'codec'`); a deployment may ship
 * them elsewhere (an audit store), tests capture them.
 */
export interface CodecAccessLog {
  record(entry: CodecAccessEntry): void;
}

/** The access log as lines of the API's log, on a child logger of its own. */
export function pinoCodecAccessLog(logger: Logger): CodecAccessLog {
  const child = logger.child({ access: 'codec' });
  return { record: ({ access: _access, ...entry }) => child.info(entry, entry.decision === 'decoded' ? 'codec decode' : 'codec decode refused') };
}

/** What the codec server needs besides the API's own options. */
export interface CodecServerOptions {
  /**
   * The payload codec of a municipality: encodes with its current key, decodes what any of its keys encrypted
   * (runtime/encryption.ts). Unset: the codec server has no keys; unencrypted payloads pass, encrypted ones are a 503.
   */
  codecFor?: (municipality: string) => PayloadCodec;
  /** Origins of Temporal Web UIs allowed to call it from the browser, with credentials. */
  corsOrigins: readonly string[];
  /** Default: {@link pinoCodecAccessLog} on the API's logger. */
  accessLog?: CodecAccessLog;
}

/**
 * {@link CodecServerOptions.codecFor} over the payload codec the worker and the client use (runtime/encryption.ts),
 * which picks the municipality's key from the workflow id of the serialization context: what the Web UI encodes is
 * encoded as a workflow of `municipality` would be (the context's workflow id is the municipality code, so its
 * payloads say `waakvlam-workflow-id: GM0363`: the UI does not say for which workflow it encodes). Decoding needs no
 * context.
 */
export function municipalityCodecs(codec: PayloadCodec, namespace: string): (municipality: string) => PayloadCodec {
  return (municipality) => ({
    encode: (payloads) => codec.encode(payloads, { type: 'workflow', namespace, workflowId: municipality }),
    decode: (payloads) => codec.decode(payloads),
  });
}

// ---- CORS ----------------------------------------------------------------------------------------------------------

/**
 * CORS for the codec server: an allowed origin gets `Access-Control-Allow-Origin` (itself, never `*`) with
 * credentials on every answer, errors included (so the Web UI can read a refusal), and, on a preflight, the methods
 * and headers it may send. Another origin gets none of them, so its browser sends nothing but the preflight.
 */
export function codecCors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.set('access-control-allow-origin', origin);
      res.set('access-control-allow-credentials', 'true');
      if (req.method === 'OPTIONS') {
        res.set('access-control-allow-methods', 'POST');
        res.set('access-control-allow-headers', CODEC_ALLOWED_HEADERS.join(', '));
        res.set('access-control-max-age', '600');
      }
    }
    next();
  };
}

/** Whether a browser request comes from an allowed origin, or from none (a same-origin page, curl). */
export function originAllowed(origin: string | undefined, origins: readonly string[], ownOrigin: string): boolean {
  return origin === undefined || origin === ownOrigin || origins.includes(origin);
}

// ---- the session cookie --------------------------------------------------------------------------------------------

/** The token in the session cookie, if the request carries one. */
export function cookieToken(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === CODEC_COOKIE) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * The session cookie's token, when the request authenticates with it: it carries one, and no bearer JWT in
 * `Authorization` (none, or what a Web UI without a login of its own sends with "pass access token":
 * `Bearer undefined`). A bearer JWT always wins over the cookie.
 */
export function sessionToken(authorization: string | undefined, cookieHeader: string | undefined): string | undefined {
  if (authorization && /^Bearer +[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*$/i.test(authorization)) return undefined;
  return cookieToken(cookieHeader);
}

/**
 * The `Set-Cookie` of a session: HttpOnly (no script reads it), Secure, SameSite=None (the Web UI's origin sends it
 * with "include cross-origin credentials"), only for the codec server's path, for `maxAge` seconds.
 */
export function sessionCookie(token: string, maxAge: number): string {
  return `${CODEC_COOKIE}=${token}; Path=${CODEC_PATH}; Max-Age=${Math.max(0, Math.floor(maxAge))}; HttpOnly; Secure; SameSite=None`;
}

/** The `Set-Cookie` that ends a session. */
export function clearedSessionCookie(): string {
  return `${CODEC_COOKIE}=; Path=${CODEC_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=None`;
}

// ---- the login page ------------------------------------------------------------------------------------------------

/** The login page's script (served as a file: the page allows no inline script). */
export const CODEC_LOGIN_SCRIPT = fileURLToPath(new URL('./codec-login.js', import.meta.url));

/** The login page's Content-Security-Policy: its own script, fetches to this origin, nothing else. */
export const CODEC_LOGIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page where an operator pastes a token, for the Web UI to decode with (see {@link sessionCookie}). */
export function codecLoginPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waakvlam codec server: sign in for the Temporal Web UI</title>
</head>
<body>
<h1>Waakvlam codec server</h1>
<p>Paste an <strong>operator</strong> token to see your municipality's payloads decoded in the Temporal Web UI.
The token is kept in a cookie only this codec server reads (HttpOnly), until the token expires or you sign out.
Every decode is recorded in the access log with your token's subject.</p>
<form id="login">
<p><label for="token">Operator token</label><br>
<textarea id="token" name="token" rows="6" cols="80" autocomplete="off" spellcheck="false" required></textarea></p>
<p><button type="submit">Sign in</button> <button type="button" id="logout">Sign out</button></p>
</form>
<p id="status" role="status"></p>
<p>In the Web UI, the codec server's settings (the icon at the top right) must have this endpoint,
<code id="endpoint">${CODEC_PATH}</code> on this server, and "Include cross-origin credentials" switched on.</p>
<script src="${CODEC_PATH}/login.js"></script>
</body>
</html>
`;
}

// ---- decoding and encoding -----------------------------------------------------------------------------------------

const utf8 = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** JSON payloads (base64) as Temporal payloads. */
export function fromJson(body: CodecPayloadsJson): Payload[] {
  return body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  }));
}

/** Temporal payloads as JSON (base64). */
export function toJson(payloads: readonly Payload[]): CodecPayloadsJson {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

/** The workflows the payloads name (`waakvlam-workflow-id`), each once, at most 100, printable only. */
export function workflowsOf(payloads: readonly Payload[]): string[] {
  const ids = new Set<string>();
  for (const p of payloads) {
    const id = utf8(p.metadata?.[WORKFLOW_ID]);
    if (id && ids.size < 100) ids.add(id.replace(/[^\x20-\x7e]/g, '?').slice(0, 256));
  }
  return [...ids];
}

/** Who asks, and from which namespace. */
export interface CodecCaller {
  subject: string;
  municipality: string;
  namespace: string | undefined;
}

/**
 * Decodes for an operator of `caller.municipality`: refuses the whole request (403, nothing decoded) when a payload
 * is encrypted with a key of another municipality, or with no readable key id; records the decode or the refusal.
 */
export async function decodeFor(caller: CodecCaller, payloads: Payload[], options: CodecServerOptions & { accessLog: CodecAccessLog }): Promise<Payload[]> {
  const encrypted = payloads.filter(isEncrypted);
  const entry = (decision: CodecAccessEntry['decision'], reason?: CodecAccessEntry['reason']): CodecAccessEntry => ({
    access: 'codec',
    ...caller,
    workflows: workflowsOf(payloads),
    payloads: payloads.length,
    encrypted: encrypted.length,
    decision,
    ...(reason ? { reason } : {}),
  });
  const foreign = payloads.findIndex((p) => isEncrypted(p) && municipalityOfKey(utf8(p.metadata?.[KEY_ID]) ?? '') !== caller.municipality);
  if (foreign >= 0) {
    options.accessLog.record(entry('refused', 'other-municipality'));
    throw new ProblemError(
      'forbidden',
      `payload ${foreign} is not encrypted with a key of ${caller.municipality}: a token decodes only its own municipality's payloads; nothing was decoded`,
    );
  }
  if (encrypted.length && !options.codecFor) {
    throw new ProblemError('service-unavailable', 'the codec server has no keys configured: it cannot decrypt');
  }
  const codec = encrypted.length ? options.codecFor!(caller.municipality) : undefined;
  const decoded: Payload[] = [];
  for (const [i, p] of payloads.entries()) {
    if (!isEncrypted(p)) {
      decoded.push(p);
      continue;
    }
    try {
      const [plain] = await codec!.decode([p]);
      decoded.push(plain!);
    } catch {
      options.accessLog.record(entry('refused', 'cannot-decrypt'));
      throw new ProblemError('unprocessable', `payload ${i} cannot be decrypted (its key is unknown, or the data is damaged); nothing was decoded`);
    }
  }
  options.accessLog.record(entry('decoded'));
  return decoded;
}

/** Encodes with the current key of `municipality` (what an operator types in the Web UI, e.g. a signal's input). */
export async function encodeFor(municipality: string, payloads: Payload[], options: CodecServerOptions): Promise<Payload[]> {
  if (!options.codecFor) throw new ProblemError('service-unavailable', 'the codec server has no keys configured: it cannot encrypt');
  try {
    return await options.codecFor(municipality).encode(payloads);
  } catch {
    throw new ProblemError('service-unavailable', `the payloads cannot be encrypted for ${municipality} (has it a current key?)`);
  }
}

/** The namespace the Web UI names (`X-Namespace`), if it is a namespace name. */
export function namespaceOf(header: string | undefined): string | undefined {
  return header && /^[A-Za-z0-9._-]{1,255}$/.test(header) ? header : undefined;
}
