/**
 * Authentication and authorisation: bearer tokens (JWT, verified with `jose`) carrying the municipality, a role and
 * the subject. Verified against a shared secret (HS256/384/512, as ZGW deployments use) or a JWKS (asymmetric keys).
 *
 * Claims:
 * - `sub`: who acts (a pseudonymous user or system reference); recorded with every decision and action.
 * - `municipality`: the CBS code (`GM0363`) whose trajectories the token may see and touch; nothing else.
 * - `role`: `case-system` (start, act, report, read), `operator` (read everything of its municipality, pause,
 *   resume, reschedule, register definitions) or `manager` (the escalation inbox, acknowledge, decide).
 * - `escalation_roles` (optional, managers): the ladder roles whose escalations the manager answers, e.g.
 *   `["teamleider"]`; without it, every role of the municipality.
 * - `exp` is required; `iss` and `aud` are checked when configured; a token issued (`iat`) or valid from (`nbf`)
 *   later than now plus the clock tolerance (30 s) is refused.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { ProblemError } from './problem.js';

/** The roles a token can carry. */
export const ROLES = ['case-system', 'operator', 'manager'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from a verified token. */
export interface Principal {
  subject: string;
  municipality: string;
  role: Role;
  /** For managers: the ladder roles they answer; undefined means all. */
  escalationRoles?: string[];
}

/** The local development key (runtime/config.ts, which refuses it in production). */
export { DEV_SECRET } from '../runtime/config.js';

/** How tokens are verified. */
export interface AuthConfig {
  /** Shared secret for HMAC-signed tokens (HS256, HS384, HS512). */
  secret?: string;
  /**
   * The secret before the current one, during a key rotation: a token whose signature does not verify with `secret`
   * is tried with this one. Only with `secret`, never with a JWKS.
   */
  previousSecret?: string;
  /** URL of a JSON Web Key Set for asymmetrically signed tokens (RS256, ES256, PS256, EdDSA…). */
  jwksUrl?: string;
  /** Required `iss` claim, when set. */
  issuer?: string;
  /** Required `aud` claim, when set. */
  audience?: string;
  /** Tolerated clock difference, in seconds. Default 30. */
  clockToleranceSeconds?: number;
}

const Claims = z.object({
  sub: z.string().min(1).max(128),
  municipality: z.string().regex(/^GM\d{4}$/, 'must be a CBS municipality code such as GM0363'),
  role: z.enum(ROLES),
  escalation_roles: z.array(z.string().min(1).max(64)).max(20).optional(),
});

export type Authenticator = (authorization: string | undefined) => Promise<Principal>;

/** Builds the token verifier. Throws when neither a secret nor a JWKS URL is configured. */
export function createAuthenticator(config: AuthConfig): Authenticator {
  let key: Uint8Array | JWTVerifyGetKey;
  let previousKey: Uint8Array | undefined;
  let algorithms: string[] | undefined;
  if (config.previousSecret && (config.jwksUrl || !config.secret)) {
    throw new Error('a previous shared secret is only accepted beside a current one, not with a JWKS URL');
  }
  if (config.jwksUrl) {
    key = createRemoteJWKSet(new URL(config.jwksUrl));
  } else if (config.secret) {
    key = new TextEncoder().encode(config.secret);
    if (config.previousSecret) previousKey = new TextEncoder().encode(config.previousSecret);
    algorithms = ['HS256', 'HS384', 'HS512'];
  } else {
    throw new Error('authentication needs a shared secret or a JWKS URL');
  }
  const unauthorized = (detail: string) => new ProblemError('unauthorized', detail);
  const tolerance = config.clockToleranceSeconds ?? 30;
  return async (authorization) => {
    // The scheme is case-insensitive (RFC 7235 §2.1): `Bearer`, `bearer` and `BEARER` alike.
    const match = /^Bearer +([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*)$/i.exec(authorization ?? '');
    if (!authorization) throw unauthorized('send a bearer token: Authorization: Bearer <jwt>');
    if (!match) throw unauthorized('the Authorization header is not a bearer JWT');
    const options = {
      ...(algorithms ? { algorithms } : {}),
      ...(config.issuer ? { issuer: config.issuer } : {}),
      ...(config.audience ? { audience: config.audience } : {}),
      requiredClaims: ['exp'],
      clockTolerance: tolerance,
    };
    let payload: unknown;
    try {
      try {
        ({ payload } = await jwtVerify(match[1]!, key as Uint8Array, options));
      } catch (err) {
        // During a key rotation, only a signature the current secret does not verify is tried with the previous one
        // (jose checks the signature before the claims): an expired token or a wrong issuer is refused as such.
        if (!previousKey || !(err instanceof joseErrors.JWSSignatureVerificationFailed)) throw err;
        ({ payload } = await jwtVerify(match[1]!, previousKey, options));
      }
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw unauthorized(`the token's "${err.claim}" claim is invalid: ${err.reason}`);
      if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || (config.jwksUrl && !(err instanceof joseErrors.JOSEError))) {
        // The key set could not be fetched: not the caller's fault.
        throw new ProblemError('service-unavailable', 'the keys to verify tokens cannot be fetched right now');
      }
      if (err instanceof joseErrors.JOSEError) throw unauthorized('the token is not valid (signature, algorithm or format)');
      throw err;
    }
    // jose checks `iat` only against a maximum age; a token issued in the future (a wrong clock at the issuer, or a
    // token minted to outlive a key rotation) is refused beyond the clock tolerance.
    const iat = (payload as { iat?: unknown }).iat;
    if (typeof iat === 'number' && iat > Date.now() / 1000 + tolerance) {
      throw unauthorized(`the token's "iat" claim is in the future (more than ${tolerance} s after now)`);
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0]!;
      throw unauthorized(`the token's "${issue.path.join('.') || 'claims'}" claim is invalid: ${issue.message}`);
    }
    const c = claims.data;
    return { subject: c.sub, municipality: c.municipality, role: c.role, ...(c.escalation_roles ? { escalationRoles: c.escalation_roles } : {}) };
  };
}

/** Options for minting a token. */
export interface TokenRequest {
  subject: string;
  municipality: string;
  role: Role;
  escalationRoles?: string[];
  /** Lifetime, as jose reads it (`'8h'`, `'15m'`) or seconds. Default `'8h'`. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
}

/** Mints an HS256 token with a shared secret: for local development (`npm run token`) and tests. */
export function signToken(secret: string, t: TokenRequest): Promise<string> {
  let jwt = new SignJWT({ municipality: t.municipality, role: t.role, ...(t.escalationRoles ? { escalation_roles: t.escalationRoles } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(t.subject)
    .setIssuedAt()
    .setExpirationTime(typeof t.expiresIn === 'number' ? Math.floor(Date.now() / 1000) + t.expiresIn : (t.expiresIn ?? '8h'));
  if (t.issuer) jwt = jwt.setIssuer(t.issuer);
  if (t.audience) jwt = jwt.setAudience(t.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
