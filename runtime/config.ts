/**
 * Configuration from environment variables, validated with zod. Every variable is documented in the README.
 */
import { hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MUNICIPALITY, staticKeyRing, type DataKey, type KeyRing, type KeyRingConfig } from './keys.js';

/**
 * The local development key `npm start` uses when no key is configured. It is public (it is in this file and in the
 * README): anyone can mint tokens with it, so it must never protect real data.
 */
export const DEV_SECRET = 'waakvlam-local-development-key-NOT-FOR-PRODUCTION';

const port = z.coerce.number().int().min(0).max(65535);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const EnvSchema = z.object({
  /** host:port of an external Temporal frontend. Unset: `npm start` runs an embedded dev server. */
  TEMPORAL_ADDRESS: optionalText,
  /** Temporal namespace. Default `default`. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue the worker polls and the API starts workflows on. Default `waakvlam`. */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('waakvlam'),
  /** PEM client certificate for mTLS (path). */
  TEMPORAL_TLS_CERT: optionalText,
  /** PEM client key for mTLS (path). */
  TEMPORAL_TLS_KEY: optionalText,
  /** PEM CA bundle to verify the server (path). */
  TEMPORAL_TLS_CA: optionalText,
  /** Server name to verify in the server certificate (SNI). */
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  /** `true` to use TLS with the system CAs and no client certificate (e.g. API-key auth). */
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
  /** API key sent as a bearer token to the Temporal frontend (e.g. Temporal Cloud). */
  TEMPORAL_API_KEY: optionalText,
  /** Port of the embedded dev server's gRPC frontend. Default 7233. */
  TEMPORAL_DEV_PORT: port.default(7233),
  /** Port of the embedded dev server's Web UI. Default 8233. */
  TEMPORAL_UI_PORT: port.default(8233),
  /** Interface the embedded dev server binds to. Default 127.0.0.1. */
  TEMPORAL_DEV_IP: z.string().min(1).default('127.0.0.1'),
  /** Directory for local state (the dev server's SQLite file). Default `./data`. */
  WAAKVLAM_DATA_DIR: z.string().min(1).default('data'),
  /** HTTP port of the API. Default 3000. */
  PORT: port.default(3000),
  /** Interface the API binds to. Default 0.0.0.0. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Path of the directory file (who holds which role, per municipality). Unset: nobody is e-mailed. */
  WAAKVLAM_DIRECTORY: optionalText,
  /** Webhook receiver URL for notifications (CloudEvents). Unset: no webhooks. */
  WAAKVLAM_WEBHOOK_URL: optionalText,
  /** Standard Webhooks signing secret, `whsec_<base64>`. Required with WAAKVLAM_WEBHOOK_URL. */
  WAAKVLAM_WEBHOOK_SECRET: optionalText,
  /** CloudEvent `source` URN. Default `urn:nld:gemeente:<municipality>:waakvlam`. */
  WAAKVLAM_EVENT_SOURCE: optionalText,
  /** SMTP URL for e-mail, e.g. `smtp://mail.gemeente.example:587`. Unset: no e-mail. */
  SMTP_URL: optionalText,
  /** Sender of e-mail. Default (also when empty) `Waakvlam <waakvlam@localhost>`. */
  SMTP_FROM: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().min(1).default('Waakvlam <waakvlam@localhost>')),
  /** Shared secret verifying HMAC-signed bearer tokens (HS256/384/512). */
  WAAKVLAM_JWT_SECRET: optionalText,
  /** The previous shared secret, also accepted while the case systems switch to WAAKVLAM_JWT_SECRET (key rotation). */
  WAAKVLAM_JWT_SECRET_PREVIOUS: optionalText,
  /** JWKS URL verifying asymmetrically signed bearer tokens. */
  WAAKVLAM_JWKS_URL: optionalText.pipe(z.url().optional()),
  /** Required `iss` of bearer tokens, when set. */
  WAAKVLAM_JWT_ISSUER: optionalText,
  /** Required `aud` of bearer tokens, when set. */
  WAAKVLAM_JWT_AUDIENCE: optionalText,
  /** Express `trust proxy` for the API: `true`, a hop count, or addresses/subnets of trusted proxies. Default off. */
  WAAKVLAM_TRUST_PROXY: optionalText,
  /** Requests per client (token subject) per minute. Default 600. */
  WAAKVLAM_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  /** Port on which each entry point serves Prometheus metrics at /metrics. Unset: none. */
  WAAKVLAM_METRICS_PORT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), port.min(1).optional()),
  /** Interface of the metrics port. Default: 127.0.0.1 for `npm start`, 0.0.0.0 for `npm run worker` and `npm run api`. */
  WAAKVLAM_METRICS_HOST: optionalText,
  /**
   * Origins (comma-separated, e.g. `https://temporal.gemeente.example`) of Temporal Web UIs allowed to call the codec
   * server (`/v1/codec`) from the browser, with credentials. Unset: none (`npm start` adds its embedded UI's origins).
   */
  WAAKVLAM_CODEC_CORS_ORIGINS: optionalText.pipe(
    z
      .string()
      .optional()
      .transform((v) => (v ? v.split(',').map((o) => o.trim()).filter(Boolean) : []))
      .pipe(z.array(z.string().regex(/^https?:\/\/[A-Za-z0-9.[\]:-]+(:\d{1,5})?$/, 'each origin is scheme://host[:port], e.g. https://temporal.gemeente.example (no path, no trailing slash)'))),
  ),
  /** Path of the key file (YAML or JSON, {@link KeyRingConfig}): the payload codec's keys per municipality. */
  WAAKVLAM_KEYS_FILE: optionalText,
  /** The same document inline (JSON); instead of WAAKVLAM_KEYS_FILE, not besides it. */
  WAAKVLAM_KEYS: optionalText,
  /** pino log level. Default `info`. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface TemporalConfig {
  /** host:port of the frontend; undefined means "run the embedded dev server". */
  address: string | undefined;
  namespace: string;
  taskQueue: string;
  tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
  apiKey?: string;
}

export interface Config {
  temporal: TemporalConfig;
  devServer: { port: number; uiPort: number; ip: string; dbFile: string };
  api: {
    port: number;
    host: string;
    /** How bearer tokens are verified; undefined when neither a secret nor a JWKS URL is configured. */
    auth?: { secret?: string; previousSecret?: string; jwksUrl?: string; issuer?: string; audience?: string };
    rateLimitPerMinute: number;
    /** Express `trust proxy`; undefined: off. */
    trustProxy?: boolean | number | string;
    /** Origins of Temporal Web UIs that may call the codec server from the browser (WAAKVLAM_CODEC_CORS_ORIGINS). */
    codecCorsOrigins: string[];
  };
  notifications: {
    directoryFile?: string;
    webhook?: { url: string; secret: string; source?: string };
    email?: { url: string; from: string };
  };
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /**
   * Where the process serves its Prometheus metrics (`GET /metrics`); undefined: nowhere. Without a host, each entry
   * point binds its default interface (see {@link metricsAddress}).
   */
  metrics?: { port: number; host: string | undefined };
  /**
   * The payload codec's keys (runtime/encryption.ts), checked, and the variable they came from; undefined when neither
   * WAAKVLAM_KEYS_FILE nor WAAKVLAM_KEYS is set (`npm run worker` and `npm run api` then refuse to start; `npm start`
   * uses {@link developmentKeyRing}).
   */
  keys?: { variable: 'WAAKVLAM_KEYS_FILE' | 'WAAKVLAM_KEYS'; config: KeyRingConfig };
}

/** Thrown when the environment is invalid; lists every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration; throws {@link ConfigError} naming every invalid variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const useTls =
    e.TEMPORAL_TLS === 'true' || Boolean(e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_KEY || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME);
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    throw new ConfigError('invalid configuration:\n  TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  if (Boolean(e.WAAKVLAM_WEBHOOK_URL) !== Boolean(e.WAAKVLAM_WEBHOOK_SECRET)) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_WEBHOOK_URL and WAAKVLAM_WEBHOOK_SECRET must be set together');
  }
  if (e.WAAKVLAM_JWT_SECRET && e.WAAKVLAM_JWT_SECRET.length < 32) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_JWT_SECRET: must be at least 32 characters (256 bits for HS256)');
  }
  if (e.WAAKVLAM_JWT_SECRET === DEV_SECRET) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_JWT_SECRET: is the public local development key; choose a secret of your own');
  }
  if (e.WAAKVLAM_JWT_SECRET && e.WAAKVLAM_JWKS_URL) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_JWT_SECRET and WAAKVLAM_JWKS_URL: set one of them, not both');
  }
  if (e.WAAKVLAM_JWT_SECRET_PREVIOUS) {
    const previous = (problem: string) => new ConfigError(`invalid configuration:\n  WAAKVLAM_JWT_SECRET_PREVIOUS: ${problem}`);
    if (e.WAAKVLAM_JWKS_URL) throw previous('not with WAAKVLAM_JWKS_URL (with a JWKS, the identity provider rotates keys: a new kid beside the old)');
    if (!e.WAAKVLAM_JWT_SECRET) throw previous('only together with WAAKVLAM_JWT_SECRET (the new secret; this is the old one, accepted during a key rotation)');
    if (e.WAAKVLAM_JWT_SECRET_PREVIOUS.length < 32) throw previous('must be at least 32 characters (256 bits for HS256)');
    if (e.WAAKVLAM_JWT_SECRET_PREVIOUS === DEV_SECRET) throw previous('is the public local development key; it must never be accepted');
    if (e.WAAKVLAM_JWT_SECRET_PREVIOUS === e.WAAKVLAM_JWT_SECRET) throw previous('is the same as WAAKVLAM_JWT_SECRET; set the new secret there and the old one here');
  }
  if (e.WAAKVLAM_JWKS_URL) {
    const url = new URL(e.WAAKVLAM_JWKS_URL);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !loopback) {
      throw new ConfigError('invalid configuration:\n  WAAKVLAM_JWKS_URL: must be https (plain http only on localhost)');
    }
    if (!e.WAAKVLAM_JWT_AUDIENCE) {
      throw new ConfigError(
        'invalid configuration:\n  WAAKVLAM_JWT_AUDIENCE: required with WAAKVLAM_JWKS_URL, so tokens the identity provider issued for other applications are refused',
      );
    }
  }
  if (e.WAAKVLAM_METRICS_HOST && e.WAAKVLAM_METRICS_PORT === undefined) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_METRICS_HOST: has no effect without WAAKVLAM_METRICS_PORT; set the port too, or unset the host');
  }
  if (e.WAAKVLAM_WEBHOOK_SECRET && !/^whsec_[A-Za-z0-9+/=]{16,}$/.test(e.WAAKVLAM_WEBHOOK_SECRET)) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_WEBHOOK_SECRET: must be whsec_ followed by a base64 key');
  }
  if (e.WAAKVLAM_KEYS_FILE && e.WAAKVLAM_KEYS) {
    throw new ConfigError('invalid configuration:\n  WAAKVLAM_KEYS_FILE and WAAKVLAM_KEYS: set one of them, not both');
  }
  const keys = e.WAAKVLAM_KEYS_FILE
    ? { variable: 'WAAKVLAM_KEYS_FILE' as const, config: keyRingConfigFrom('WAAKVLAM_KEYS_FILE', readKeysFile(e.WAAKVLAM_KEYS_FILE)) }
    : e.WAAKVLAM_KEYS
      ? { variable: 'WAAKVLAM_KEYS' as const, config: keyRingConfigFrom('WAAKVLAM_KEYS', parseKeysDocument('WAAKVLAM_KEYS', e.WAAKVLAM_KEYS, 'JSON')) }
      : undefined;
  return {
    ...(keys ? { keys } : {}),
    notifications: {
      ...(e.WAAKVLAM_DIRECTORY ? { directoryFile: e.WAAKVLAM_DIRECTORY } : {}),
      ...(e.WAAKVLAM_WEBHOOK_URL && e.WAAKVLAM_WEBHOOK_SECRET
        ? { webhook: { url: e.WAAKVLAM_WEBHOOK_URL, secret: e.WAAKVLAM_WEBHOOK_SECRET, ...(e.WAAKVLAM_EVENT_SOURCE ? { source: e.WAAKVLAM_EVENT_SOURCE } : {}) } }
        : {}),
      ...(e.SMTP_URL ? { email: { url: e.SMTP_URL, from: e.SMTP_FROM } } : {}),
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls: useTls
        ? { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY, caPath: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      apiKey: e.TEMPORAL_API_KEY,
    },
    devServer: {
      port: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      ip: e.TEMPORAL_DEV_IP,
      dbFile: resolve(e.WAAKVLAM_DATA_DIR, 'temporal.db'),
    },
    api: {
      port: e.PORT,
      host: e.HOST,
      auth:
        e.WAAKVLAM_JWT_SECRET || e.WAAKVLAM_JWKS_URL
          ? {
              ...(e.WAAKVLAM_JWT_SECRET ? { secret: e.WAAKVLAM_JWT_SECRET } : {}),
              ...(e.WAAKVLAM_JWT_SECRET_PREVIOUS ? { previousSecret: e.WAAKVLAM_JWT_SECRET_PREVIOUS } : {}),
              ...(e.WAAKVLAM_JWKS_URL ? { jwksUrl: e.WAAKVLAM_JWKS_URL } : {}),
              ...(e.WAAKVLAM_JWT_ISSUER ? { issuer: e.WAAKVLAM_JWT_ISSUER } : {}),
              ...(e.WAAKVLAM_JWT_AUDIENCE ? { audience: e.WAAKVLAM_JWT_AUDIENCE } : {}),
            }
          : undefined,
      rateLimitPerMinute: e.WAAKVLAM_RATE_LIMIT,
      codecCorsOrigins: e.WAAKVLAM_CODEC_CORS_ORIGINS,
      ...(e.WAAKVLAM_TRUST_PROXY !== undefined
        ? { trustProxy: e.WAAKVLAM_TRUST_PROXY === 'true' ? true : /^\d+$/.test(e.WAAKVLAM_TRUST_PROXY) ? Number(e.WAAKVLAM_TRUST_PROXY) : e.WAAKVLAM_TRUST_PROXY }
        : {}),
    },
    logLevel: e.LOG_LEVEL,
    ...(e.WAAKVLAM_METRICS_PORT !== undefined ? { metrics: { port: e.WAAKVLAM_METRICS_PORT, host: e.WAAKVLAM_METRICS_HOST } } : {}),
  };
}

/**
 * Where an entry point serves its metrics, or undefined when WAAKVLAM_METRICS_PORT is unset. The interface is
 * WAAKVLAM_METRICS_HOST, else the entry point's default: `127.0.0.1` for `npm start` (a local command), `0.0.0.0` for
 * `npm run worker` and `npm run api` (Prometheus scrapes them over the internal network; never publish the port).
 */
export function metricsAddress(config: Pick<Config, 'metrics'>, entryPoint: 'start' | 'worker' | 'api'): { port: number; host: string } | undefined {
  if (!config.metrics) return undefined;
  return { port: config.metrics.port, host: config.metrics.host ?? (entryPoint === 'start' ? '127.0.0.1' : '0.0.0.0') };
}

/** The key ring document's shape (see {@link KeyRingConfig}); what each key holds is checked by staticKeyRing. */
const KeyRingSchema = z
  .object({
    municipalities: z.record(
      z.string(),
      z
        .object({
          current: z.string().min(1, 'the label of the current key'),
          keys: z.record(z.string(), z.string()).refine((keys) => Object.keys(keys).length > 0, 'at least one key'),
        })
        .strict(),
    ),
  })
  .strict();

const keysError = (variable: string, problem: string) => new ConfigError(`invalid configuration:\n  ${variable}: ${problem}`);

function readKeysFile(path: string): unknown {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw keysError('WAAKVLAM_KEYS_FILE', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseKeysDocument('WAAKVLAM_KEYS_FILE', source, 'YAML or JSON');
}

/** Parses the document; an error names the line, never the text (it may hold key bytes). */
function parseKeysDocument(variable: string, source: string, kind: 'JSON' | 'YAML or JSON'): unknown {
  try {
    return kind === 'JSON' ? JSON.parse(source) : parseYaml(source);
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw keysError(variable, `not valid ${kind}${line ? ` (line ${line})` : ''}`);
  }
}

/** Checks a key ring document: its shape, then every key (32 bytes, a current one); errors name ids, never bytes. */
function keyRingConfigFrom(variable: string, document: unknown): KeyRingConfig {
  const parsed = KeyRingSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(the document)'}: ${i.message}`);
    throw keysError(variable, `${problems.join('; ')} (expected { municipalities: { GM0363: { current: <label>, keys: { <label>: <base64 of 32 bytes> } } } })`);
  }
  for (const [municipality, keys] of Object.entries(parsed.data.municipalities)) {
    for (const [label, base64] of Object.entries(keys.keys)) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64.trim())) throw keysError(variable, `key ${municipality}/${label}: not base64`);
    }
  }
  try {
    staticKeyRing(parsed.data);
  } catch (err) {
    throw keysError(variable, (err as Error).message.replace(/^keys: /, ''));
  }
  return parsed.data;
}

/**
 * The secret `npm start` derives its development keys from when no key is configured. Public (it is in this file):
 * whatever it encrypts anyone can read, so it must never protect real data.
 */
export const DEV_KEYS_SECRET = 'waakvlam-local-development-keys-NOT-FOR-PRODUCTION';

/** The label of every development key: ids `GM0363/development`. */
export const DEV_KEY_LABEL = 'development';

/**
 * A key ring with one key for any municipality code, `<code>/<label>`, derived from `secret` (HKDF-SHA256, the code
 * as info): for development and tests only, where the secret is public.
 */
export function derivedKeyRing(secret: string, label: string): KeyRing {
  const derived = new Map<string, DataKey>();
  const derive = (municipality: string): DataKey => {
    let key = derived.get(municipality);
    if (!key) {
      key = { id: `${municipality}/${label}`, key: Buffer.from(hkdfSync('sha256', secret, 'waakvlam', municipality, 32)) };
      derived.set(municipality, key);
    }
    return key;
  };
  return {
    current: async (municipality) => (MUNICIPALITY.test(municipality) ? derive(municipality) : undefined),
    byId: async (id) => {
      const [municipality, keyLabel, ...rest] = id.split('/');
      return municipality && MUNICIPALITY.test(municipality) && keyLabel === label && !rest.length ? derive(municipality) : undefined;
    },
  };
}

/**
 * The key ring of `npm start` without WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: {@link derivedKeyRing} of the public
 * {@link DEV_KEYS_SECRET} (ids `GM0363/development`). Loudly logged; never for production.
 */
export function developmentKeyRing(): KeyRing {
  return derivedKeyRing(DEV_KEYS_SECRET, DEV_KEY_LABEL);
}

/** The configured key ring, or undefined when no keys are configured. */
export function configuredKeyRing(config: Pick<Config, 'keys'>): KeyRing | undefined {
  return config.keys ? staticKeyRing(config.keys.config) : undefined;
}

/** The problem a process that needs keys states without them. */
function keysRequired(what: string): string {
  return `WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS: required for ${what} (the keys that encrypt the trajectories' data in Temporal; only \`npm start\` runs with the public development keys; \`npm run keys -- --municipality GM0363\` makes one)`;
}

/**
 * What a standalone worker or API cannot run without, checked at once: every missing setting is named in one
 * ConfigError (TEMPORAL_ADDRESS; the encryption keys; for the API a token key), so a deployment is fixed in one go.
 */
export function requireStandalone(config: Config, what: 'worker' | 'API'): { address: string; keyRing: KeyRing } {
  const problems: string[] = [];
  if (!config.temporal.address) problems.push(`TEMPORAL_ADDRESS: required for a standalone ${what}`);
  if (what === 'API' && !config.api.auth) {
    problems.push('WAAKVLAM_JWT_SECRET or WAAKVLAM_JWKS_URL: required for a standalone API (only `npm start` runs with the local development key)');
  }
  const keyRing = configuredKeyRing(config);
  if (!keyRing) {
    problems.push(keysRequired(`a standalone ${what}`));
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return { address: config.temporal.address!, keyRing: keyRing! };
}

/**
 * The configured key ring of a standalone worker or API (`npm run worker`, `npm run api`), which never run with the
 * development keys: a {@link ConfigError} without WAAKVLAM_KEYS_FILE or WAAKVLAM_KEYS.
 */
export function requiredKeyRing(config: Pick<Config, 'keys'>, what: string): KeyRing {
  const ring = configuredKeyRing(config);
  if (!ring) {
    throw new ConfigError(`invalid configuration:\n  ${keysRequired(what)}`);
  }
  return ring;
}
