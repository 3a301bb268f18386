/**
 * Token verification against a real JWKS served over HTTP (asymmetric keys), and against a shared secret: the
 * claims a Principal is made of, and every way a token is refused; rotating the shared secret
 * (WAAKVLAM_JWT_SECRET_PREVIOUS) from the environment to the verifier.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createAuthenticator, DEV_SECRET, signToken } from '../api/auth.js';
import { ProblemError } from '../api/problem.js';
import { ConfigError, loadConfig } from '../runtime/config.js';

let server: Server;
let jwksUrl: string;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let fetches = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'gemeente-1', alg: 'ES256', use: 'sig' };
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function es256(claims: Record<string, unknown>, key = privateKey, expires: string | number = '1h') {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'gemeente-1' }).setSubject('zaaksysteem-1').setIssuedAt().setExpirationTime(expires).setIssuer('https://idp.gemeente.example').sign(key);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProblemError);
  expect((err as ProblemError).problemType).toBe('unauthorized');
  return (err as ProblemError).message;
}

describe('tokens verified against a JWKS', () => {
  it('accepts a token signed with a key of the set, with its claims', async () => {
    const auth = createAuthenticator({ jwksUrl, issuer: 'https://idp.gemeente.example' });
    const principal = await auth(`Bearer ${await es256({ municipality: 'GM0363', role: 'manager', escalation_roles: ['teamleider'] })}`);
    expect(principal).toEqual({ subject: 'zaaksysteem-1', municipality: 'GM0363', role: 'manager', escalationRoles: ['teamleider'] });
    expect(fetches).toBeGreaterThan(0);
  });

  it('refuses another key, another issuer, an expired token and an HMAC token (no algorithm confusion)', async () => {
    const auth = createAuthenticator({ jwksUrl, issuer: 'https://idp.gemeente.example' });
    const claims = { municipality: 'GM0363', role: 'case-system' };
    expect(await refusal(auth(`Bearer ${await es256(claims, otherKey)}`))).toMatch(/not valid/);
    const wrongIssuer = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'gemeente-1' }).setSubject('x').setExpirationTime('1h').setIssuer('https://elders.example').sign(privateKey);
    expect(await refusal(auth(`Bearer ${wrongIssuer}`))).toMatch(/"iss" claim/);
    expect(await refusal(auth(`Bearer ${await es256(claims, privateKey, Math.floor(Date.now() / 1000) - 3600)}`))).toMatch(/expired/);
    // An HS256 token "signed" with anything is refused: the JWKS has no symmetric key.
    expect(await refusal(auth(`Bearer ${await signToken('x'.repeat(32), { subject: 'x', municipality: 'GM0363', role: 'operator' })}`))).toMatch(/not valid/);
  });
});

describe('a key set that cannot be fetched', () => {
  it('is a 503 (the service is unavailable), not a 401 blaming the caller', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}/jwks.json`;
    await new Promise<void>((resolve) => down.close(() => resolve())); // nothing listens there now
    const auth = createAuthenticator({ jwksUrl: url });
    const err = await auth(`Bearer ${await es256({ municipality: 'GM0363', role: 'operator' })}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).problemType).toBe('service-unavailable');
  });
});

describe('tokens verified with a shared secret', () => {
  const secret = 'een-gedeeld-geheim-van-minstens-32-tekens';
  const auth = createAuthenticator({ secret, audience: 'waakvlam' });

  it('accepts a token with the claims, refuses missing claims, a missing exp and a wrong audience', async () => {
    const ok = await signToken(secret, { subject: 'regisseur-1', municipality: 'GM0599', role: 'case-system', audience: 'waakvlam' });
    expect(await auth(`Bearer ${ok}`)).toEqual({ subject: 'regisseur-1', municipality: 'GM0599', role: 'case-system' });

    const key = new TextEncoder().encode(secret);
    const noMunicipality = await new SignJWT({ role: 'operator' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setAudience('waakvlam').setExpirationTime('1h').sign(key);
    expect(await refusal(auth(`Bearer ${noMunicipality}`))).toMatch(/"municipality" claim/);
    const badMunicipality = await new SignJWT({ role: 'operator', municipality: 'Amsterdam' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setAudience('waakvlam').setExpirationTime('1h').sign(key);
    expect(await refusal(auth(`Bearer ${badMunicipality}`))).toMatch(/"municipality" claim is invalid: must be a CBS municipality code/);
    const noExp = await new SignJWT({ role: 'operator', municipality: 'GM0363' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setAudience('waakvlam').sign(key);
    expect(await refusal(auth(`Bearer ${noExp}`))).toMatch(/"exp" claim/);
    const noSub = await new SignJWT({ role: 'operator', municipality: 'GM0363' }).setProtectedHeader({ alg: 'HS256' }).setAudience('waakvlam').setExpirationTime('1h').sign(key);
    expect(await refusal(auth(`Bearer ${noSub}`))).toMatch(/"sub" claim/);
    expect(await refusal(auth(`Bearer ${await signToken(secret, { subject: 'x', municipality: 'GM0363', role: 'operator', audience: 'iets-anders' })}`))).toMatch(/"aud" claim/);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', municipality: 'GM0363', role: 'operator', exp: 9e9 })).toString('base64url')}.`;
    expect(await refusal(auth(`Bearer ${unsigned}`))).toMatch(/not valid/);
    expect(await refusal(auth(undefined))).toMatch(/send a bearer token/);
    expect(await refusal(auth('Bearer not-a-jwt'))).toMatch(/not a bearer JWT/);
  });
});

describe('rotating the shared secret (WAAKVLAM_JWT_SECRET_PREVIOUS)', () => {
  const oldSecret = 'het-oude-gedeelde-geheim-van-minstens-32-tekens';
  const newSecret = 'het-nieuwe-gedeelde-geheim-van-minstens-32-tekens';
  const request = { subject: 'zaaksysteem-1', municipality: 'GM0363', role: 'case-system', audience: 'waakvlam' } as const;
  /** The verifier the API builds from these environment variables. */
  const fromEnv = (env: Record<string, string>) => createAuthenticator(loadConfig({ WAAKVLAM_JWT_AUDIENCE: 'waakvlam', ...env }).api.auth!);

  it('accepts a token signed with the previous secret while it is configured, and refuses it once it is removed', async () => {
    const during = fromEnv({ WAAKVLAM_JWT_SECRET: newSecret, WAAKVLAM_JWT_SECRET_PREVIOUS: oldSecret });
    const principal = { subject: 'zaaksysteem-1', municipality: 'GM0363', role: 'case-system' };
    expect(await during(`Bearer ${await signToken(oldSecret, request)}`)).toEqual(principal);
    expect(await during(`Bearer ${await signToken(newSecret, request)}`)).toEqual(principal);
    expect(await refusal(during(`Bearer ${await signToken('een-derde-geheim-dat-niemand-configureerde', request)}`))).toMatch(/not valid \(signature/);

    const after = fromEnv({ WAAKVLAM_JWT_SECRET: newSecret, WAAKVLAM_JWT_SECRET_PREVIOUS: '' });
    expect(await refusal(after(`Bearer ${await signToken(oldSecret, request)}`))).toMatch(/not valid \(signature/);
    expect(await after(`Bearer ${await signToken(newSecret, request)}`)).toEqual(principal);
  });

  it('refuses a token signed with the previous secret for what is wrong with it, as with the current one', async () => {
    const during = fromEnv({ WAAKVLAM_JWT_SECRET: newSecret, WAAKVLAM_JWT_SECRET_PREVIOUS: oldSecret });
    const expired = await signToken(oldSecret, { ...request, expiresIn: -3600 });
    expect(await refusal(during(`Bearer ${expired}`))).toBe('the token has expired');
    expect(await refusal(during(`Bearer ${await signToken(newSecret, { ...request, expiresIn: -3600 })}`))).toBe('the token has expired');
    expect(await refusal(during(`Bearer ${await signToken(oldSecret, { ...request, audience: 'iets-anders' })}`))).toMatch(/"aud" claim is invalid/);
  });

  it('is a configuration error without WAAKVLAM_JWT_SECRET, with a JWKS, or when short, naming the variable and not the secret', () => {
    const refused = (env: Record<string, string>): string => {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(/WAAKVLAM_JWT_SECRET_PREVIOUS: /);
      for (const value of Object.values(env)) expect(message).not.toContain(value);
      return message;
    };
    expect(refused({ WAAKVLAM_JWT_SECRET_PREVIOUS: oldSecret })).toMatch(/only together with WAAKVLAM_JWT_SECRET/);
    expect(refused({ WAAKVLAM_JWT_SECRET_PREVIOUS: oldSecret, WAAKVLAM_JWKS_URL: 'https://idp.gemeente.example/jwks', WAAKVLAM_JWT_AUDIENCE: 'waakvlam' })).toMatch(
      /not with WAAKVLAM_JWKS_URL/,
    );
    expect(refused({ WAAKVLAM_JWT_SECRET: newSecret, WAAKVLAM_JWT_SECRET_PREVIOUS: 'te-kort-geheim' })).toMatch(/at least 32 characters/);
    expect(refused({ WAAKVLAM_JWT_SECRET: newSecret, WAAKVLAM_JWT_SECRET_PREVIOUS: DEV_SECRET })).toMatch(/public local development key/);
    expect(refused({ WAAKVLAM_JWT_SECRET: newSecret, WAAKVLAM_JWT_SECRET_PREVIOUS: newSecret })).toMatch(/the same as WAAKVLAM_JWT_SECRET/);
    expect(() => createAuthenticator({ jwksUrl: 'https://idp.gemeente.example/jwks', previousSecret: oldSecret })).toThrow(/previous shared secret/);
  });
});
