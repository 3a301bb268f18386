/**
 * The codec server for the Temporal Web UI (Temporal's remote codec protocol; what it decodes for whom is in
 * api/codec.ts): `POST /v1/codec/decode` and `/encode` for operators, their CORS preflights, and the cookie session
 * an operator starts on the login page so the Web UI's "include cross-origin credentials" carries the token.
 */
import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { Authenticator } from '../auth.js';
import {
  CODEC_ALLOWED_HEADERS,
  CODEC_LOGIN_CSP,
  CODEC_LOGIN_SCRIPT,
  CODEC_PATH,
  CODEC_SESSION_MAX_SECONDS,
  clearedSessionCookie,
  codecLoginPage,
  decodeFor,
  encodeFor,
  fromJson,
  namespaceOf,
  originAllowed,
  sessionCookie,
  toJson,
  type CodecAccessLog,
  type CodecServerOptions,
} from '../codec.js';
import { CodecPayloads, CodecSession, CodecSessionRequest, MAX_CODEC_PAYLOADS } from '../codec-schemas.js';
import { BODY_LIMITS } from '../json-limits.js';
import { ProblemError } from '../problem.js';
import { route, type RouteContext, type RouteSpec } from '../route.js';

/** What the codec routes need: the codec server's options, its access log and the API's token verifier. */
export type CodecRouteOptions = CodecServerOptions & { accessLog: CodecAccessLog; authenticate: Authenticator };

/** Payload data is base64 of up to Temporal's 2 MB blobs: longer strings than other bodies, few levels. */
const CODEC_JSON_LIMITS = { ...BODY_LIMITS, depth: 8, entries: MAX_CODEC_PAYLOADS, stringLength: 3_000_000 };

/** What decode and encode share: operators only, the token also from the cookie, the protocol's body. */
const protocol = {
  tag: 'codec',
  roles: ['operator'] as const,
  sessionCookie: true,
  body: CodecPayloads,
  bodyLimit: '4mb',
  jsonLimits: CODEC_JSON_LIMITS,
};

export function codecRoutes(c: CodecRouteOptions): RouteSpec[] {
  /**
   * A request whose token came from the cookie (no Authorization header) is taken only from an allowed origin or this
   * one: the browser sends the cookie wherever the request comes from.
   */
  const checkCookieOrigin = ({ req, res }: RouteContext<unknown, unknown, unknown>) => {
    // Decoded family data is never kept in a cache.
    res.set('cache-control', 'no-store');
    if (!res.locals.sessionCookie) return;
    if (!originAllowed(req.get('origin'), c.corsOrigins, `${req.protocol}://${req.get('host')}`)) {
      throw new ProblemError('forbidden', `the origin ${req.get('origin')} may not use the codec session (not in WAAKVLAM_CODEC_CORS_ORIGINS)`);
    }
  };
  const preflight = (which: 'decode' | 'encode') =>
    route({
      method: 'options',
      path: `${CODEC_PATH}/${which}`,
      operationId: `codec${which === 'decode' ? 'Decode' : 'Encode'}Preflight`,
      tag: 'codec',
      summary: `CORS preflight of ${which}`,
      description: `For the Temporal Web UI's browser: an origin in \`WAAKVLAM_CODEC_CORS_ORIGINS\` gets \`Access-Control-Allow-Origin\` (itself), \`-Credentials: true\`, \`-Methods: POST\` and \`-Headers: ${CODEC_ALLOWED_HEADERS.join(', ')}\`; another origin gets none of them.`,
      roles: 'public',
      responses: { 204: { description: 'The CORS headers, for an allowed origin.' } },
      handler: ({ res }) => {
        res.status(204).end();
      },
    });
  return [
    preflight('decode'),
    route({
      method: 'post',
      path: `${CODEC_PATH}/decode`,
      operationId: 'codecDecode',
      summary: 'Decode payloads for the Web UI',
      description:
        "Temporal's remote codec protocol. Decrypts payloads encrypted with a key of the token's municipality; unencrypted payloads pass unchanged. One payload of another municipality's key refuses the request (403) and nothing is decoded. Every decode and refusal is recorded in the access log (who, municipality, namespace from `X-Namespace`, workflows, how many payloads), never the content. The token comes as `Authorization: Bearer` or in the session cookie (`POST /v1/codec/session`).",
      ...protocol,
      errors: {
        403: "The token's role is not operator, a payload is encrypted with another municipality's key (nothing is decoded), or a cookie came from an origin that is not allowed.",
        422: 'A payload of the municipality cannot be decrypted (an unknown key, damaged data); nothing is decoded.',
        503: 'No keys are configured, or the token keys are unavailable.',
      },
      responses: { 200: { description: 'The payloads, decoded, in the same order.', schema: CodecPayloads } },
      handler: async (ctx) => {
        checkCookieOrigin(ctx);
        const { principal, body, req, res } = ctx;
        const caller = { subject: principal.subject, municipality: principal.municipality, namespace: namespaceOf(req.get('x-namespace')) };
        res.json(toJson(await decodeFor(caller, fromJson(body), c)));
      },
    }),
    preflight('encode'),
    route({
      method: 'post',
      path: `${CODEC_PATH}/encode`,
      operationId: 'codecEncode',
      summary: 'Encode payloads for the Web UI',
      description:
        "Temporal's remote codec protocol: encrypts what an operator enters in the Web UI (a signal's input, say) with the current key of the token's municipality, as the worker's payload codec would.",
      ...protocol,
      errors: {
        403: "The token's role is not operator, or a cookie came from an origin that is not allowed.",
        503: 'No keys are configured (or none for the municipality), or the token keys are unavailable.',
      },
      responses: { 200: { description: 'The payloads, encrypted, in the same order.', schema: CodecPayloads } },
      handler: async (ctx) => {
        checkCookieOrigin(ctx);
        ctx.res.json(toJson(await encodeFor(ctx.principal.municipality, fromJson(ctx.body), c)));
      },
    }),
    route({
      method: 'get',
      path: `${CODEC_PATH}/login`,
      operationId: 'codecLogin',
      tag: 'codec',
      summary: "The codec server's login page",
      description:
        'Where an operator pastes a token so the Web UI (with "include cross-origin credentials") decodes with it. Its script is a file of this origin; its Content-Security-Policy allows nothing inline or from elsewhere.',
      roles: 'public',
      responses: { 200: { description: 'HTML.', schema: z.string(), contentType: 'text/html' } },
      handler: ({ res }) => {
        res.set('content-security-policy', CODEC_LOGIN_CSP).set('cache-control', 'no-store').type('html').send(codecLoginPage());
      },
    }),
    route({
      method: 'get',
      path: `${CODEC_PATH}/login.js`,
      operationId: 'codecLoginScript',
      tag: 'codec',
      summary: "The login page's script",
      roles: 'public',
      responses: { 200: { description: 'JavaScript.', schema: z.string(), contentType: 'text/javascript' } },
      handler: async ({ res }) => {
        res.set('content-security-policy', CODEC_LOGIN_CSP);
        await new Promise<void>((resolve, reject) => res.sendFile(CODEC_LOGIN_SCRIPT, { headers: { 'cache-control': 'no-cache' } }, (err) => (err ? reject(err) : resolve())));
      },
    }),
    route({
      method: 'post',
      path: `${CODEC_PATH}/session`,
      operationId: 'codecSessionStart',
      tag: 'codec',
      summary: 'Start a codec session with an operator token',
      description: `Checks the token (a valid operator token) and sets it as the cookie the codec server accepts instead of \`Authorization\`: HttpOnly, Secure, SameSite=None, Path=${CODEC_PATH}, Max-Age until the token expires (at most ${CODEC_SESSION_MAX_SECONDS / 3600} h).`,
      roles: 'public',
      body: CodecSessionRequest,
      errors: {
        401: 'The token is not valid (expired, bad signature or claims).',
        403: 'The token is not an operator token.',
      },
      responses: { 200: { description: 'The cookie is set (`Set-Cookie`).', schema: CodecSession } },
      handler: async ({ body, res }) => {
        const principal = await c.authenticate(`Bearer ${body.token}`);
        if (principal.role !== 'operator') throw new ProblemError('forbidden', `the role ${principal.role} may not decode payloads (allowed: operator)`);
        const exp = decodeJwt(body.token).exp!; // verified: exp is required
        const maxAge = Math.min(CODEC_SESSION_MAX_SECONDS, Math.floor(exp - Date.now() / 1000));
        if (maxAge <= 0) throw new ProblemError('unauthorized', 'the token has expired');
        res.set('set-cookie', sessionCookie(body.token, maxAge)).set('cache-control', 'no-store');
        res.json({ subject: principal.subject, municipality: principal.municipality, expiresAt: new Date(Date.now() + maxAge * 1000).toISOString() } satisfies z.output<typeof CodecSession>);
      },
    }),
    route({
      method: 'delete',
      path: `${CODEC_PATH}/session`,
      operationId: 'codecSessionEnd',
      tag: 'codec',
      summary: 'End the codec session',
      description: 'Clears the cookie (whatever it held, even an expired token).',
      roles: 'public',
      responses: { 204: { description: 'The cookie is cleared (`Set-Cookie` with `Max-Age=0`).' } },
      handler: ({ res }) => {
        res.set('set-cookie', clearedSessionCookie()).status(204).end();
      },
    }),
  ];
}
