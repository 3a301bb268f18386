/**
 * Process definitions: list and read the versions a municipality can start trajectories with (shipped and its own),
 * validate a posted definition (every problem with its path), and register a new version (validated first). A
 * running trajectory keeps the version it started with.
 */
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CatalogError } from '../../clients/catalog.js';
import type { Response } from 'express';
import { MAX_FEEL_LENGTH, MAX_FEEL_TEXT, MAX_NODES_PER_DEFINITION } from '../../definitions/schema.js';
import { MAX_PROBLEMS, type ValidationResult as Validation } from '../../definitions/validate.js';
import { validationThread, ValidationRefused } from '../../definitions/validate-thread.js';
import type { Principal } from '../auth.js';
import { ProblemError } from '../problem.js';
import { route, type RouteSpec } from '../route.js';
import type { Services } from '../services.js';
import { DefinitionDocument, DefinitionSchema, DefinitionId, DefinitionList, DefinitionRegistered, DefinitionVersionQuery, ValidationResult } from '../schemas.js';

/** Definitions are larger than other bodies. */
const DEFINITION_BODY_LIMIT = '1mb';
const ALL = ['case-system', 'operator', 'manager'] as const;

/** What the two routes that validate say about the limits. */
const LIMITS = `A definition has at most ${MAX_NODES_PER_DEFINITION} nodes (all phases together), FEEL expressions of at most ${MAX_FEEL_LENGTH} characters, and at most ${MAX_FEEL_TEXT} characters of FEEL (its distinct expressions together). One thread validates for every municipality, one definition at a time: 429 (with \`Retry-After\`) while one of the caller's own is waiting or being validated, 503 (with \`Retry-After\`) when too many are waiting or a validation takes longer than its deadline.`;

/**
 * Validates a posted definition in the validation thread, so that a definition of up to 1 MB, from any role, never
 * holds up other requests; one per client at a time, dropped if the client goes away before its turn. Refusals
 * become problems with `Retry-After`: 429 when the client has one pending (it can wait for that answer), 503 when
 * the queue is full or the validation ran past its deadline (the server is busy; the definition is not at fault:
 * within the validator's bounds every definition takes a fraction of the deadline, so another try can succeed).
 * Undefined when the client has gone away: there is no one to answer.
 */
async function validate(s: Services, principal: Principal, res: Response, body: unknown): Promise<Validation | undefined> {
  const gone = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) gone.abort();
  };
  if (res.closed) onClose(); // gone already (`req.destroyed` says only that its body was read)
  else res.once('close', onClose);
  try {
    return await validationThread.validate(body, { activities: s.activities }, { client: `${principal.municipality}:${principal.subject}`, group: principal.municipality, signal: gone.signal });
  } catch (err) {
    if (!(err instanceof ValidationRefused)) throw err;
    if (err.reason === 'aborted') return undefined;
    res.set('retry-after', String(err.retryAfterSeconds));
    throw new ProblemError(err.reason === 'client-busy' ? 'too-many-requests' : 'service-unavailable', err.message);
  } finally {
    res.off('close', onClose);
  }
}

export function definitionRoutes(s: Services): RouteSpec[] {
  const { catalog } = s;
  return [
    route({
      method: 'get',
      path: '/v1/definitions',
      operationId: 'listDefinitions',
      tag: 'definitions',
      summary: 'The definitions the municipality can start trajectories with',
      description: 'Shipped definitions (for every municipality) and the versions the municipality registered itself.',
      roles: ALL,
      responses: { 200: { description: 'Every definition with its versions.', schema: DefinitionList } },
      handler: async ({ principal, res }) => {
        res.json({ items: await catalog.list(principal.municipality) });
      },
    }),

    route({
      method: 'get',
      path: '/v1/definitions/:definitionId',
      operationId: 'getDefinition',
      tag: 'definitions',
      summary: 'A definition (its latest version, or `?version=n`)',
      roles: ALL,
      params: z.strictObject({ definitionId: DefinitionId.meta({ description: 'The definition, shipped or registered by the municipality.', examples: ['gezinstraject'] }) }),
      query: DefinitionVersionQuery,
      responses: { 200: { description: 'The definition, as validated.', schema: DefinitionSchema } },
      handler: async ({ principal, params, query, res }) => {
        const definition = await catalog.get(principal.municipality, params.definitionId, query.version);
        if (!definition) {
          const versions = await catalog.versionsOf(principal.municipality, params.definitionId);
          throw new ProblemError(
            'not-found',
            versions.length ? `definition ${params.definitionId} has no version ${query.version}; versions: ${versions.join(', ')}` : `definition ${params.definitionId} does not exist`,
          );
        }
        res.json(definition);
      },
    }),

    route({
      method: 'post',
      path: '/v1/definitions/validate',
      operationId: 'validateDefinition',
      tag: 'definitions',
      summary: 'Validate a definition without registering it',
      description: `Every problem at once (up to ${MAX_PROBLEMS}), each with its JSON pointer into the definition and, where there is one, a "did you mean". ${LIMITS}`,
      roles: ALL,
      body: DefinitionDocument,
      bodyLimit: DEFINITION_BODY_LIMIT,
      responses: { 200: { description: 'Whether it is valid, and every problem.', schema: ValidationResult } },
      handler: async ({ principal, body, res }) => {
        const result = await validate(s, principal, res, body);
        if (result) res.json({ valid: result.ok, problems: result.problems });
      },
    }),

    route({
      method: 'post',
      path: '/v1/definitions',
      operationId: 'registerDefinition',
      tag: 'definitions',
      summary: 'Register a new version of a definition for the municipality',
      description:
        `Validated first (422 with every problem, each with its path under \`/body\`). The version must be new and higher than every existing version of that id (409 otherwise); registering identical content again is harmless. Kept durably in Temporal (a catalog workflow per municipality). ${LIMITS}`,
      roles: ['operator'],
      body: DefinitionDocument,
      documentedBody: DefinitionSchema,
      refusals: ['VersionExists', 'VersionNotNewer'],
      errors: {
        409: "Conflicts with the definitions that exist; `detail` says how. Nothing changed. (Also when the municipality's catalog workflow was ended by hand: an administrator restores it.)",
        422: 'The definition has problems: every one in `errors`, its path under `/body`.',
      },
      bodyLimit: DEFINITION_BODY_LIMIT,
      responses: {
        201: { description: 'Registered; `Location` points at it.', schema: DefinitionRegistered },
        200: { description: 'Identical to a shipped version: nothing to register.', schema: DefinitionRegistered },
      },
      handler: async ({ principal, body, res }) => {
        const result = await validate(s, principal, res, body);
        if (!result) return; // the client has gone away
        if (!result.ok) {
          throw new ProblemError('unprocessable', `the definition has ${result.problems.length} problem(s)`, {
            errors: result.problems.map((p) => ({ path: `/body${p.path}`, message: p.suggestion ? `${p.message} (did you mean "${p.suggestion}"?)` : p.message })),
          });
        }
        const { id, version } = result.definition;
        let registration;
        try {
          registration = await catalog.register(principal.municipality, result.definition, principal.subject);
        } catch (err) {
          if (err instanceof CatalogError) throw new ProblemError('conflict', err.message);
          if (err instanceof WorkflowExecutionAlreadyStartedError) {
            // The municipality's catalog workflow was ended by hand and is still retained: registering would start an
            // empty one. An operator has to look at it first.
            throw new ProblemError('conflict', `the definition catalog of ${principal.municipality} has ended; ask an administrator to restore it`);
          }
          if (err instanceof WorkflowUpdateFailedError) throw new ProblemError('unprocessable', (err.cause as Error | undefined)?.message ?? err.message);
          throw err;
        }
        const self = `/v1/definitions/${id}?version=${version}`;
        res
          .status(registration.source === 'registered' ? 201 : 200)
          .location(self)
          .json({ id, version, links: { self } } satisfies z.output<typeof DefinitionRegistered>);
      },
    }),
  ];
}
