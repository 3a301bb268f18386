/**
 * The OpenAPI 3.1 document, generated from the route table: the same zod schemas that validate requests give the
 * parameters, bodies and responses (zod's JSON Schema output is draft 2020-12, the dialect of OpenAPI 3.1).
 */
import { z } from 'zod';
import { openApiPath, type RouteSpec } from './route.js';
import { ROLES } from './auth.js';
import { fieldErrors, PROBLEM_TYPES, type ProblemType } from './problem.js';
import { REFUSALS, refusalStatuses, refusalsWithStatus } from './refusals.js';
import { ProblemResponse } from './schemas.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/**
 * Path or query parameters from an object schema: each with its schema's description and first example (the schema
 * keeps both too, for renderers that read them there).
 */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    ...(Array.isArray(s.examples) && s.examples.length ? { example: s.examples[0] } : {}),
    schema: s,
  }));
}

/** The problem type each error status is documented with (its title), and an example `detail`. */
const EXAMPLE_PROBLEMS: Record<number, { type: ProblemType; detail?: string; extra?: Record<string, unknown> }> = {
  400: { type: 'invalid-request' },
  401: { type: 'unauthorized', detail: 'the token has expired' },
  403: { type: 'forbidden' },
  404: { type: 'not-found' },
  409: { type: 'conflict', detail: 'case ZAAK-2026-0042 of GM0363 already has a trajectory', extra: { existing: '/v1/trajectories/GM0363-ZAAK-2026-0042' } },
  413: { type: 'payload-too-large', detail: 'the body exceeds the limit of 102400 bytes' },
  415: { type: 'unsupported-media-type', detail: 'send the body as application/json' },
  422: { type: 'unprocessable', detail: 'the definition has 1 problem(s)', extra: { errors: [{ path: '/body/phases/0/nodes/0/next', message: 'unknown node "first-contct" (did you mean "first-contact"?)' }] } },
  429: { type: 'too-many-requests', detail: 'too many requests a minute from this client; try again after 42 s' },
  500: { type: 'internal-error' },
  503: { type: 'service-unavailable', detail: 'Temporal did not answer about trajectory GM0363-ZAAK-2026-0042 in time; try again' },
};

/**
 * What a route answers to a bad request, as its own schemas say it: the first problem of path parameters that are no
 * ids, else of an empty (or non-object) body, else of an unknown query parameter.
 */
function exampleFieldError(r: RouteSpec): Array<{ path: string; message: string }> {
  const tries: Array<['params' | 'query' | 'body', z.ZodType | undefined, unknown[]]> = [
    ['params', r.params, [Object.fromEntries(parameters(r.params, 'path').map((p) => [p.name, '!']))]],
    ['body', r.body, [{}, []]],
    ['query', r.query ?? NO_QUERY, [{ sort: 'name' }]],
  ];
  for (const [where, schema, values] of tries) {
    for (const value of values) {
      const result = schema?.safeParse(value);
      if (result && !result.success) return fieldErrors(result.error, where).slice(0, 1);
    }
  }
  return [];
}
const NO_QUERY = z.strictObject({});

/** The route's path with the example of each path parameter: an example `instance`. */
function examplePath(r: RouteSpec): string {
  const examples = new Map(parameters(r.params, 'path').map((p) => [p.name as string, p.example]));
  return r.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(String(examples.get(name) ?? name)));
}

/**
 * An error response: its description, the Problem schema and an example of the problem as this route gives it. A
 * status the route's refusals answer with lists them in the description, each with what it means, and shows the first
 * one's detail.
 */
function problem(r: RouteSpec, status: number, description: string): [string, unknown] {
  const refusals = refusalsWithStatus(r.refusals ?? [], status);
  const known = EXAMPLE_PROBLEMS[status] ?? { type: 'invalid-request' as const };
  const [first] = refusals;
  const { type, detail, extra } = first ? { type: REFUSALS[first].problem, detail: REFUSALS[first].example, extra: undefined } : known;
  const invalid = status === 400 ? exampleFieldError(r) : [];
  const byRoute =
    status === 400
      ? { detail: `the request ${invalid[0]?.path.split('/')[1] ?? 'body'} is invalid`, errors: invalid }
      : status === 403 && r.roles !== 'public'
        ? { detail: `the role ${ROLES.find((role) => !r.roles.includes(role))} may not ${r.summary.toLowerCase()} (allowed: ${r.roles.join(', ')})` }
        : {};
  const example = { type: `/problems/${type}`, title: PROBLEM_TYPES[type].title, status, ...(detail ? { detail } : {}), instance: examplePath(r), ...extra, ...byRoute };
  const listed = refusals.length ? `${description}\n\n${refusals.map((x) => `- ${REFUSALS[x].when} (\`${x}\`)`).join('\n')}` : description;
  return [String(status), { description: listed, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example } } }];
}

/**
 * The errors a route can answer with, from what it checks: its parameters, query and body (400, 413, 415), its roles
 * (401, 403, 429, 503), its refusals (404, 409, 422: each refusal named, with what it means, from the table in
 * `api/refusals.ts`), and the statuses it describes itself (`errors`, which also replace a general description).
 */
function errorResponses(r: RouteSpec): Record<string, unknown> {
  const refused = refusalStatuses(r.refusals ?? []);
  const errors = new Map<number, string>();
  if (r.params || r.query || r.body) errors.set(400, 'Invalid request: every problem with its path (`errors`).');
  if (r.roles !== 'public') errors.set(401, 'No valid bearer token (missing, expired, bad signature or claims).');
  if (r.roles !== 'public' && r.roles.length < ROLES.length) errors.set(403, "The token's role may not do this.");
  if (r.params || refused.includes(404)) errors.set(404, "No such resource in the token's municipality.");
  if (refused.includes(409)) errors.set(409, 'Conflicts with the current state; `detail` says how. Nothing changed.');
  if (r.body) {
    errors.set(413, 'The body is too large.');
    errors.set(415, 'The body is not application/json.');
  }
  if (refused.includes(422)) errors.set(422, 'Refused as a whole; `detail` says why. Nothing changed.');
  if (r.roles !== 'public') errors.set(429, 'Too many requests from this client; see `Retry-After`.');
  errors.set(500, 'Unexpected error (nothing internal is leaked).');
  if (r.roles !== 'public') errors.set(503, 'A dependency (Temporal, the token keys) is unavailable.');
  for (const [status, text] of Object.entries(r.errors ?? {})) errors.set(Number(status), text);
  return Object.fromEntries([...errors].sort(([a], [b]) => a - b).map(([status, text]) => problem(r, status, text)));
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/** Builds the OpenAPI 3.1 document for the routes. */
export function buildOpenApi(routes: readonly RouteSpec[], info: OpenApiInfo): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      const contentType = spec.contentType ?? 'application/json';
      responses[status] = {
        description: spec.description,
        ...(spec.schema ? { content: { [contentType]: { schema: schemaOf(spec.schema, 'output') } } } : {}),
      };
    }
    Object.assign(responses, errorResponses(r));
    (paths[openApiPath(r.path)] ??= {})[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(r.roles === 'public' ? { security: [] } : { 'x-roles': r.roles }),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.documentedBody ?? r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT with `sub` (who acts), `municipality` (CBS code), `role` (`case-system`, `operator` or `manager`), optional `escalation_roles` (managers) and `exp`.',
        },
      },
      schemas: {
        Problem: {
          ...schemaOf(ProblemResponse, 'output'),
          'x-problem-types': Object.fromEntries(Object.entries(PROBLEM_TYPES).map(([k, v]) => [`/problems/${k}`, v])),
        },
      },
    },
  };
}
