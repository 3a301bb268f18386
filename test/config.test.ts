import { DEV_SECRET } from '../api/auth.js';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireStandalone } from '../runtime/config.js';
import { looksLikeBsn } from '../api/schemas.js';

describe('configuration', () => {
  it('has working defaults: embedded dev server, data/ directory, port 3000', () => {
    const config = loadConfig({});
    expect(config.temporal).toMatchObject({ address: undefined, namespace: 'default', taskQueue: 'waakvlam' });
    expect(config.devServer).toMatchObject({ port: 7233, uiPort: 8233, ip: '127.0.0.1' });
    expect(config.devServer.dbFile).toMatch(/data\/temporal\.db$/);
    expect(config.api).toEqual({ port: 3000, host: '0.0.0.0', auth: undefined, rateLimitPerMinute: 600, codecCorsOrigins: [] });
  });

  it('reads an external server with mTLS', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.gemeente.nl:7233',
      TEMPORAL_NAMESPACE: 'sociaal-domein',
      TEMPORAL_TLS_CERT: '/run/secrets/client.pem',
      TEMPORAL_TLS_KEY: '/run/secrets/client.key',
    });
    expect(config.temporal).toMatchObject({
      address: 'temporal.gemeente.nl:7233',
      namespace: 'sociaal-domein',
      tls: { certPath: '/run/secrets/client.pem', keyPath: '/run/secrets/client.key' },
    });
  });

  it('names every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', TEMPORAL_UI_PORT: '70000', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/TEMPORAL_UI_PORT/);
    expect(message).toMatch(/LOG_LEVEL/);
  });

  it('reads token verification settings and refuses a short secret or a JWKS address that is no URL', () => {
    const config = loadConfig({ WAAKVLAM_JWT_SECRET: 's'.repeat(32), WAAKVLAM_JWT_ISSUER: 'zaaksysteem', WAAKVLAM_RATE_LIMIT: '120' });
    expect(config.api.auth).toEqual({ secret: 's'.repeat(32), issuer: 'zaaksysteem' });
    expect(config.api.rateLimitPerMinute).toBe(120);
    expect(() => loadConfig({ WAAKVLAM_JWT_SECRET: 'kort' })).toThrow(/WAAKVLAM_JWT_SECRET: must be at least 32 characters/);
    expect(() => loadConfig({ WAAKVLAM_JWKS_URL: 'geen url' })).toThrow(/WAAKVLAM_JWKS_URL/);
    expect(() => loadConfig({ WAAKVLAM_JWT_SECRET: DEV_SECRET })).toThrow(/public local development key/);
    expect(() => loadConfig({ WAAKVLAM_JWKS_URL: 'http://idp.gemeente.example/jwks', WAAKVLAM_JWT_AUDIENCE: 'waakvlam' })).toThrow(/must be https/);
    expect(() => loadConfig({ WAAKVLAM_JWKS_URL: 'https://idp.gemeente.example/jwks' })).toThrow(/WAAKVLAM_JWT_AUDIENCE: required/);
    expect(() => loadConfig({ WAAKVLAM_JWKS_URL: 'https://idp.gemeente.example/jwks', WAAKVLAM_JWT_AUDIENCE: 'waakvlam', WAAKVLAM_JWT_SECRET: 's'.repeat(32) })).toThrow(/not both/);
    expect(loadConfig({ WAAKVLAM_JWKS_URL: 'https://idp.gemeente.example/jwks', WAAKVLAM_JWT_AUDIENCE: 'waakvlam' }).api.auth).toEqual({ jwksUrl: 'https://idp.gemeente.example/jwks', audience: 'waakvlam' });
  });

  it('reads where metrics are served: nowhere by default, a port with an optional interface', () => {
    expect(loadConfig({}).metrics).toBeUndefined();
    expect(loadConfig({ WAAKVLAM_METRICS_PORT: '', WAAKVLAM_METRICS_HOST: '' }).metrics).toBeUndefined();
    // Without a host each entry point takes its own default (npm start: 127.0.0.1; npm run worker/api: 0.0.0.0).
    expect(loadConfig({ WAAKVLAM_METRICS_PORT: '9464' }).metrics).toEqual({ port: 9464, host: undefined });
    expect(loadConfig({ WAAKVLAM_METRICS_PORT: '9464', WAAKVLAM_METRICS_HOST: '10.0.0.5' }).metrics).toEqual({ port: 9464, host: '10.0.0.5' });
    expect(() => loadConfig({ WAAKVLAM_METRICS_PORT: '0' })).toThrow(/WAAKVLAM_METRICS_PORT/);
    expect(() => loadConfig({ WAAKVLAM_METRICS_HOST: '127.0.0.1' })).toThrow(/WAAKVLAM_METRICS_HOST: has no effect without WAAKVLAM_METRICS_PORT/);
  });

  it('names everything a standalone API or worker lacks in one refusal', () => {
    const refusal = (what: 'API' | 'worker') => {
      try {
        requireStandalone(loadConfig({}), what);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    const api = refusal('API');
    for (const name of ['TEMPORAL_ADDRESS', 'WAAKVLAM_JWT_SECRET or WAAKVLAM_JWKS_URL', 'WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS']) expect(api).toContain(name);
    const worker = refusal('worker');
    expect(worker).toContain('TEMPORAL_ADDRESS');
    expect(worker).toContain('WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS');
    expect(worker).not.toContain('WAAKVLAM_JWT_SECRET');
  });

  it('refuses a client certificate without its key', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/c.pem' })).toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
  });
});

describe('BSN guard', () => {
  it('recognises nine digits that pass the elfproef', () => {
    expect(looksLikeBsn('111222333')).toBe(true);
    expect(looksLikeBsn('123456782')).toBe(true);
    expect(looksLikeBsn('123456789')).toBe(false);
    expect(looksLikeBsn('ZAAK-2026-001')).toBe(false);
    expect(looksLikeBsn('1112223334')).toBe(false);
  });
});
