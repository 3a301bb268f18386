/**
 * The OpenAPI 3.1 document, generated from the route table: the same zod schemas that validate requests give the
 * parameters, bodies and responses (zod's JSON Schema output is draft 2020-12, the dialect of OpenAPI 3.1).
 */
import { z } from 'zod';
import { openApiPath, type RouteSpec } from './route.js';
import { PROBLEM_TYPES } from './problem.js';
import { ProblemResponse } from './schemas.js';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Path or query parameters from an object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}

const EXTRA_ERRORS: Record<number, string> = {
  409: 'Conflicts with what exists (e.g. the case has a trajectory already; the version exists).',
  422: 'Refused as a whole (e.g. the definition has problems: every one in `errors`).',
  503: 'A dependency (Temporal) is unavailable.',
};

const problem = (status: number, description: string) => [
  String(status),
  { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
];

/** A request refused by the state it meets: a conflict (409) or refused as a whole (422). */
const STATE_REFUSALS = [409, 422];

/**
 * The state refusals of a route: a POST on a resource can meet both, unless its `errors` names the ones it answers
 * with (acknowledging an escalation is a 409 whatever the state, never a 422).
 */
function stateRefusals(r: RouteSpec): number[] {
  if (r.method !== 'post' || !r.params) return [];
  const named = (r.errors ?? []).filter((status) => STATE_REFUSALS.includes(status));
  return named.length ? named : STATE_REFUSALS;
}

/** The errors a route can answer with, from what it checks. */
function errorResponses(r: RouteSpec): Record<string, unknown> {
  const refusals = stateRefusals(r);
  const errors: Array<[number, string]> = [];
  if (r.params || r.query || r.body) errors.push([400, 'Invalid request: every problem with its path (`errors`).']);
  if (r.roles !== 'public') {
    errors.push([401, 'No valid bearer token (missing, expired, bad signature or claims).']);
    errors.push([403, "The token's role may not do this."]);
  }
  if (r.params) errors.push([404, "No such resource in the token's municipality."]);
  if (refusals.includes(409)) errors.push([409, 'Conflicts with the current state (e.g. the step is not open, the trajectory is closed).']);
  if (r.body) {
    errors.push([413, 'The body is too large.']);
    errors.push([415, 'The body is not application/json.']);
  }
  if (refusals.includes(422)) errors.push([422, 'Refused by the trajectory in its current state.']);
  if (r.roles !== 'public') errors.push([429, 'Too many requests from this client; see `Retry-After`.']);
  errors.push([500, 'Unexpected error (nothing internal is leaked).']);
  if (r.roles !== 'public') errors.push([503, 'A dependency (Temporal, the token keys) is unavailable.']);
  const described = new Map(errors.map(([status, text]) => [status, text]));
  for (const status of r.errors ?? []) if (!described.has(status)) described.set(status, EXTRA_ERRORS[status] ?? 'See the description.');
  return Object.fromEntries([...described].sort(([a], [b]) => a - b).map(([status, text]) => problem(status, text)));
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
