/**
 * The HTTP API, built without listening (tests hand it to supertest; `entrypoints/api.ts` and `npm start` listen).
 *
 * Every route is declared once, as data (`api/routes/*`): the table mounts the Express handlers, with
 * authentication, the role check, rate limiting, body parsing and zod validation in front, and generates the
 * OpenAPI document. One central error handler answers every error as RFC 9457 problem+json.
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { ACTIVITY_NAMES } from '../activities/names.js';
import { DefinitionCatalog } from '../clients/catalog.js';
import { DefinitionRegistry } from '../definitions/registry.js';
import { pointer } from '../definitions/validate.js';
import type { Config } from '../runtime/config.js';
import { EncryptionCodec } from '../runtime/encryption.js';
import type { KeyRing } from '../runtime/keys.js';
import { scrub } from '../runtime/logger.js';
import type { Authenticator, Principal } from './auth.js';
import { CODEC_PATH, codecCors, municipalityCodecs, pinoCodecAccessLog, sessionToken, type CodecServerOptions } from './codec.js';
import { docsPage } from './docs.js';
import { createMetrics, type Metrics } from '../runtime/metrics.js';
import { buildOpenApi } from './openapi.js';
import { BODY_LIMITS, jsonProblems, type JsonLimits } from './json-limits.js';
import { fieldErrors, notFoundHandler, problemHandler, ProblemError } from './problem.js';
import type { RouteSpec } from './route.js';
import { codecRoutes, type CodecRouteOptions } from './routes/codec.js';
import { definitionRoutes } from './routes/definitions.js';
import { escalationRoutes } from './routes/escalations.js';
import { operationRoutes } from './routes/operations.js';
import { trajectoryRoutes } from './routes/trajectories.js';
import type { Services } from './services.js';

export interface AppOptions {
  client: Client;
  /** The shipped definitions; each municipality's registered versions come from the catalog in Temporal. */
  definitions: DefinitionRegistry;
  /** Task queue the worker polls. */
  taskQueue: string;
  logger: Logger;
  /** Verifies bearer tokens (see `api/auth.ts`). */
  authenticate: Authenticator;
  /** Metrics registry; default a new one. `npm start` shares one with its worker. */
  metrics?: Metrics;
  /** Activities a definition's service tasks may call. Default: the engine's (`ACTIVITY_NAMES`). */
  activities?: readonly string[];
  /** Largest accepted JSON body. Default `100kb` (definitions: `1mb`). */
  bodyLimit?: string;
  /** Requests per client (token subject and municipality) per minute. Default 600. */
  rateLimitPerMinute?: number;
  /**
   * Express's `trust proxy`: which proxies' `X-Forwarded-For` to believe for the client address (rate limiting
   * before authentication). Default `false` (the socket's address).
   */
  trustProxy?: boolean | number | string;
  /**
   * The codec server for the Temporal Web UI (`/v1/codec`, api/codec.ts): the payload codec per municipality, the Web
   * UIs' origins, the access log. Default: no keys (encrypted payloads are a 503), no origins.
   */
  codec?: CodecServerOptions;
}

/**
 * The options both entry points (`npm start`, `npm run api`) take from the configuration: the shipped definitions,
 * the task queue, the rate limit, the trusted proxies and the codec server (the Web UIs' origins, and the payload
 * codec over `keys`). They add the client, logger, token verifier and metrics.
 */
export function configuredAppOptions(config: Pick<Config, 'api' | 'temporal'>, keys?: KeyRing) {
  return {
    definitions: DefinitionRegistry.shipped({ activities: ACTIVITY_NAMES }),
    taskQueue: config.temporal.taskQueue,
    rateLimitPerMinute: config.api.rateLimitPerMinute,
    codec: {
      corsOrigins: config.api.codecCorsOrigins,
      ...(keys ? { codecFor: municipalityCodecs(new EncryptionCodec(keys), config.temporal.namespace) } : {}),
    },
    ...(config.api.trustProxy !== undefined ? { trustProxy: config.api.trustProxy } : {}),
  } satisfies Partial<AppOptions>;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified caller, set by authentication. */
    principal?: Principal;
  }
}

const NO_QUERY = z.strictObject({});

function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'params' | 'query'): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ProblemError('invalid-request', `the request ${where} is invalid`, { errors: fieldErrors(result.error, where) });
  }
  return result.data;
}

/** All routes of the API, in documentation order. */
export function apiRoutes(services: Services, contract: Parameters<typeof operationRoutes>[1], codec: CodecRouteOptions): RouteSpec[] {
  return [...trajectoryRoutes(services), ...escalationRoutes(services), ...definitionRoutes(services), ...codecRoutes(codec), ...operationRoutes(services, contract)];
}

export function createApp(opts: AppOptions): express.Express {
  const { logger } = opts;
  const metrics = opts.metrics ?? createMetrics();
  const services: Services = {
    client: opts.client,
    taskQueue: opts.taskQueue,
    catalog: new DefinitionCatalog({ client: opts.client, taskQueue: opts.taskQueue, shipped: opts.definitions }),
    metrics,
    logger,
    activities: opts.activities ?? ACTIVITY_NAMES,
  };
  let openapi: Record<string, unknown> | undefined;
  let docs: string | undefined;
  const openApiDocument = () =>
    (openapi ??= buildOpenApi(routes, {
      title: 'Waakvlam API',
      version: '1',
      description:
        "Trajectories of families, their steps, deadlines and escalations, for case systems, operators and managers of one municipality per token. Who acts is always the token's subject.",
    }));
  const codec: CodecRouteOptions = {
    corsOrigins: [],
    ...opts.codec,
    accessLog: opts.codec?.accessLog ?? pinoCodecAccessLog(logger),
    authenticate: opts.authenticate,
  };
  const routes: RouteSpec[] = apiRoutes(services, { openapi: openApiDocument, docs: () => (docs ??= docsPage('Waakvlam API')) }, codec);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', opts.trustProxy ?? false);
  // Security headers with a strict Content-Security-Policy; the documentation page and its assets narrow it further
  // (`DOCS_CSP` in api/docs.ts: Swagger UI's files from this origin, no inline script or style).
  app.use(helmet());

  // Request id, one access-log line and the request metrics per request; no bodies or query strings (no personal data).
  app.use((req, res, next) => {
    const requestId = req.get('x-request-id')?.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 128) || randomUUID();
    res.set('x-request-id', requestId);
    res.locals.requestId = requestId;
    const started = process.hrtime.bigint();
    // 'close' also comes for a request the client gave up on (status `aborted`).
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      const labels = { method: req.method, route: req.route?.path ?? 'unmatched', status };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      logger.info(
        { requestId, method: req.method, route: labels.route, status, durationMs: seconds * 1000, subject: req.principal?.subject, municipality: req.principal?.municipality },
        'request',
      );
    });
    next();
  });

  const perMinute = opts.rateLimitPerMinute ?? 600;
  const tooMany: RequestHandler = (_req, res, next) => {
    next(new ProblemError('too-many-requests', `too many requests a minute from this client; try again after ${res.get('retry-after') ?? 60} s`));
  };
  // Public routes (health, documentation), per address: readiness asks Temporal, so it must not be free to flood.
  const publicByAddress = rateLimit({ windowMs: 60_000, limit: perMinute * 10, standardHeaders: 'draft-8', legacyHeaders: false, handler: tooMany });
  // Refused tokens, per address (generous: a municipality's case system may sit behind one address; IPv6 by /56).
  // Only refusals count, and only refusals are stopped: the limiter runs after a token is refused, so a valid token
  // from a busy address is never locked out; it meets the limit per token subject and municipality below.
  const refusedByAddress = rateLimit({
    windowMs: 60_000,
    limit: perMinute * 10,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res, next) => {
      next(new ProblemError('too-many-requests', `too many refused tokens a minute from this address; try again after ${res.get('retry-after') ?? 60} s`));
    },
  });
  const byClient = rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${req.principal!.municipality}:${req.principal!.subject}`,
    handler: tooMany,
  });

  // The codec server's routes also take the token from the session cookie, when no Authorization header is sent.
  const authenticateFrom = (cookie: boolean): RequestHandler => async (req, res, next) => {
    const fromCookie = cookie ? sessionToken(req.get('authorization'), req.get('cookie')) : undefined;
    res.locals.sessionCookie = Boolean(fromCookie);
    try {
      req.principal = await opts.authenticate(fromCookie ? `Bearer ${fromCookie}` : req.get('authorization'));
    } catch (err) {
      if (!(err instanceof ProblemError) || err.problemType !== 'unauthorized') throw err;
      // Counts this refusal; past the limit the limiter answers 429 instead of the 401.
      await new Promise<void>((resolve, reject) => void refusedByAddress(req, res, (limited?: unknown) => (limited ? reject(limited) : resolve())));
      throw err;
    }
    next();
  };
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) return next(new ProblemError('unsupported-media-type', 'send the body as application/json'));
    next();
  };
  // Every JSON body, bounded before any schema copies it: depth, sizes, and no `__proto__` key.
  const boundedJson = (limits: JsonLimits): RequestHandler => (req, _res, next) => {
    const problems = jsonProblems(req.body, limits);
    if (problems.length) {
      return next(new ProblemError('invalid-request', 'the request body is invalid', { errors: problems.map((p) => ({ path: pointer(['body', ...p.path]), message: p.message })) }));
    }
    next();
  };

  // CORS for the Temporal Web UI's origins on the codec server, on every answer (errors too) and its preflights.
  app.use(CODEC_PATH, codecCors(codec.corsOrigins));

  // A known path with a method it does not serve: 405 with the methods it does. Mounted before the routes, static
  // paths first, so that `GET /v1/definitions/validate` is a 405 and not `GET /v1/definitions/:definitionId`.
  const methods = new Map<string, Set<string>>();
  for (const r of routes) methods.set(r.path, (methods.get(r.path) ?? new Set()).add(r.method.toUpperCase()));
  for (const [path, allowed] of [...methods].sort(([a], [b]) => Number(a.includes(':')) - Number(b.includes(':')))) {
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    const methodNotAllowed: RequestHandler = (req, res, next) => {
      // The first (most specific) known path that matches decides.
      if (res.locals.knownPath) return next();
      res.locals.knownPath = path;
      if (allowed.has(req.method)) return next();
      res.set('allow', allow);
      next(new ProblemError('method-not-allowed', `${req.method} is not allowed here; allowed: ${allow}`));
    };
    app.all(path, methodNotAllowed);
  }

  for (const r of routes) {
    const chain: RequestHandler[] = [];
    if (r.roles !== 'public') {
      const roles = r.roles;
      chain.push(authenticateFrom(r.sessionCookie ?? false), byClient, (req, _res, next) => {
        if (!roles.includes(req.principal!.role)) {
          return next(new ProblemError('forbidden', `the role ${req.principal!.role} may not ${r.summary.toLowerCase()} (allowed: ${roles.join(', ')})`));
        }
        next();
      });
    } else {
      chain.push(publicByAddress);
    }
    if (r.body) chain.push(requireJson, express.json({ limit: r.bodyLimit ?? opts.bodyLimit ?? '100kb', strict: true }), boundedJson(r.jsonLimits ?? BODY_LIMITS));
    chain.push(async (req: Request, res) => {
      const params = r.params ? parse(r.params, req.params, 'params') : undefined;
      const query = parse(r.query ?? NO_QUERY, req.query, 'query'); // unknown query parameters are refused too
      const body = r.body ? parse(r.body, req.body, 'body') : undefined;
      const principal = req.principal;
      await r.handler({
        get principal(): Principal {
          if (!principal) throw new Error(`route ${r.operationId} is public: it has no principal`);
          return principal;
        },
        params,
        query,
        body,
        req,
        res,
      });
    });
    app[r.method](r.path, ...chain);
  }

  app.use(notFoundHandler);
  // Unexpected errors: the request id to find the request, the error's kind and its message without case references.
  app.use(
    problemHandler((err, req) => {
      const e = err instanceof Error ? err : new Error(String(err));
      logger.error({ requestId: req.res?.locals.requestId, method: req.method, route: req.route?.path, error: e.name, message: scrub(e.message) }, 'unexpected error');
    }),
  );
  return app;
}
