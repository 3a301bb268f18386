/**
 * Process definitions: list and read the versions a municipality can start trajectories with (shipped and its own),
 * validate a posted definition (every problem with its path), and register a new version (validated first). A
 * running trajectory keeps the version it started with.
 */
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CatalogError } from '../../definitions/catalog.js';
import { MAX_NODES_PER_DEFINITION } from '../../definitions/schema.js';
import { MAX_PROBLEMS } from '../../definitions/validate.js';
import { validationThread } from '../../definitions/validate-thread.js';
import { ProblemError } from '../problem.js';
import { route, type RouteSpec } from '../route.js';
import type { Services } from '../services.js';
import { DefinitionDocument, DefinitionSchema, DefinitionId, DefinitionList, DefinitionRegistered, DefinitionVersionQuery, ValidationResult } from '../schemas.js';

/** Definitions are larger than other bodies. */
const DEFINITION_BODY_LIMIT = '1mb';
const ALL = ['case-system', 'operator', 'manager'] as const;

export function definitionRoutes(s: Services): RouteSpec[] {
  const { catalog } = s;
  // In the validation thread: a definition of up to 1 MB, from any role, never holds up other requests.
  const validate = (body: unknown) => validationThread.validate(body, { activities: s.activities });
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
      params: z.strictObject({ definitionId: DefinitionId }),
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
      description: `Every problem at once (up to ${MAX_PROBLEMS}), each with its JSON pointer into the definition and, where there is one, a "did you mean". A definition has at most ${MAX_NODES_PER_DEFINITION} nodes, all phases together.`,
      roles: ALL,
      body: DefinitionDocument,
      bodyLimit: DEFINITION_BODY_LIMIT,
      responses: { 200: { description: 'Whether it is valid, and every problem.', schema: ValidationResult } },
      handler: async ({ body, res }) => {
        const result = await validate(body);
        res.json({ valid: result.ok, problems: result.problems });
      },
    }),

    route({
      method: 'post',
      path: '/v1/definitions',
      operationId: 'registerDefinition',
      tag: 'definitions',
      summary: 'Register a new version of a definition for the municipality',
      description:
        'Validated first (422 with every problem, each with its path under `/body`). The version must be new and higher than every existing version of that id (409 otherwise); registering identical content again is harmless. Kept durably in Temporal (a catalog workflow per municipality).',
      roles: ['operator'],
      body: DefinitionDocument,
      documentedBody: DefinitionSchema,
      errors: [409, 422],
      bodyLimit: DEFINITION_BODY_LIMIT,
      responses: {
        201: { description: 'Registered; `Location` points at it.', schema: DefinitionRegistered },
        200: { description: 'Identical to a shipped version: nothing to register.', schema: DefinitionRegistered },
      },
      handler: async ({ principal, body, res }) => {
        const result = await validate(body);
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
        res.status(registration.source === 'registered' ? 201 : 200).location(self).json({ id, version, links: { self } });
      },
    }),
  ];
}
