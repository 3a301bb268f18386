/**
 * The HTTP API, built without listening (tests hand it to supertest; `api/main.ts` and `npm start` listen).
 */
import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  acknowledgeEscalationUpdate,
  closeUpdate,
  completeStepUpdate,
  decideEscalationUpdate,
  getStateQuery,
  pauseUpdate,
  reportEventSignal,
  rescheduleUpdate,
  resumeUpdate,
  trajectoryWorkflow,
} from '../workflows/trajectory.js';
import type { DefinitionRegistry } from '../definitions/registry.js';
import {
  CASE_REF,
  DEFINITION_ID,
  DEFINITION_VERSION,
  ESCALATION_LEVEL,
  MUNICIPALITY,
  NEXT_DEADLINE,
  OPEN_STEPS,
  PHASE,
} from '../workflows/search-attributes.js';
import { didYouMean } from '../definitions/validate.js';
import { fieldErrors, notFoundHandler, problemHandler, ProblemError } from './problem.js';
import {
  ListTrajectoriesQuery,
  AcknowledgeRequest,
  DecisionRequest,
  EscalationId,
  PauseRequest,
  RescheduleRequest,
  ResumeRequest,
  CloseTrajectoryRequest,
  CompleteStepRequest,
  ReportEventRequest,
  StartTrajectoryRequest,
  StepId,
  TrajectoryId,
  trajectoryId,
} from './schemas.js';

export interface AppOptions {
  client: Client;
  /** The definitions trajectories can be started with. */
  definitions: DefinitionRegistry;
  /** Task queue the worker polls. */
  taskQueue: string;
  logger: Logger;
  /** Largest accepted JSON body. Default `100kb`. */
  bodyLimit?: string;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'params' | 'query'): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ProblemError('invalid-request', `the request ${where} is invalid`, { errors: fieldErrors(result.error, where) });
  }
  return result.data;
}

function idParam(req: Request): string {
  return parse(z.object({ id: TrajectoryId }), req.params, 'params').id;
}

/**
 * Maps Temporal errors to problems: no such workflow is a 404, an update on a finished trajectory a 409, a rejected
 * update a 409 or 422. Anything else is rethrown (a 500).
 */
async function translateTemporalError(client: Client, err: unknown, id: string): Promise<never> {
  if (err instanceof WorkflowNotFoundError) {
    // Updates on a finished workflow also report "not found"; tell the two apart.
    const status = await client.workflow
      .getHandle(id)
      .describe()
      .then((d) => d.status.name)
      .catch(() => undefined);
    if (status && status !== 'RUNNING') throw new ProblemError('conflict', `trajectory ${id} is closed`);
    throw new ProblemError('not-found', `trajectory ${id} does not exist`);
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause as { type?: string; message?: string } | undefined;
    if (cause?.type === 'TrajectoryClosed') throw new ProblemError('conflict', cause.message);
    if (cause?.type === 'StepNotOpen' || cause?.type === 'EscalationResolved') throw new ProblemError('conflict', cause.message);
    if (cause?.type === 'EscalationNotFound') throw new ProblemError('not-found', cause.message);
    throw new ProblemError('unprocessable', cause?.message ?? err.message);
  }
  throw err;
}

export function createApp(opts: AppOptions): express.Express {
  const { client, taskQueue, logger, definitions } = opts;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  // Request id and one access-log line per request; no bodies or query strings, so no personal data.
  app.use((req, res, next) => {
    const requestId = req.get('x-request-id')?.slice(0, 128) || randomUUID();
    res.set('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          requestId,
          method: req.method,
          route: req.route?.path ?? null,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  });

  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      return next(new ProblemError('unsupported-media-type', 'send the body as application/json'));
    }
    next();
  };
  app.use(express.json({ limit: opts.bodyLimit ?? '100kb', strict: true }));

  app.get('/v1/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/v1/health/ready', async (_req, res, next) => {
    try {
      await client.connection.workflowService.getSystemInfo({});
      res.json({ status: 'ok', temporal: 'reachable' });
    } catch (err) {
      logger.warn({ err: String(err) }, 'readiness: Temporal unreachable');
      next(new ProblemError('service-unavailable', 'the Temporal server is not reachable'));
    }
  });

  app.post('/v1/trajectories', requireJson, async (req, res) => {
    const body = parse(StartTrajectoryRequest, req.body, 'body');
    const definition = definitions.get(body.definitionId, body.definitionVersion);
    if (!definition) {
      const known = definitions.ids();
      const suggestion = didYouMean(body.definitionId, known);
      const versions = definitions.versionsOf(body.definitionId);
      throw new ProblemError('invalid-request', 'the request body is invalid', {
        errors: [
          versions.length
            ? { path: '/body/definitionVersion', message: `unknown version ${body.definitionVersion}; registered: ${versions.join(', ')}` }
            : {
                path: '/body/definitionId',
                message: `unknown definition "${body.definitionId}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
              },
        ],
      });
    }
    const id = trajectoryId(body.municipality, body.caseRef);
    try {
      await client.workflow.start(trajectoryWorkflow, {
        workflowId: id,
        taskQueue,
        args: [{ caseRef: body.caseRef, municipality: body.municipality, definition, ...(body.data ? { data: body.data } : {}) }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ProblemError('conflict', `case ${body.caseRef} of ${body.municipality} already has a trajectory`, {
          existing: `/v1/trajectories/${id}`,
        });
      }
      throw err;
    }
    res.status(201).location(`/v1/trajectories/${id}`).json({ id, links: { self: `/v1/trajectories/${id}` } });
  });

  app.get('/v1/trajectories', async (req, res) => {
    const q = parse(ListTrajectoriesQuery, req.query, 'query');
    // Every value is validated above, so quoting it into the visibility query is safe.
    const clauses = [`WorkflowType = 'trajectoryWorkflow'`];
    if (q.municipality) clauses.push(`${MUNICIPALITY.name} = '${q.municipality}'`);
    if (q.definitionId) clauses.push(`${DEFINITION_ID.name} = '${q.definitionId}'`);
    if (q.phase) clauses.push(`${PHASE.name} = '${q.phase}'`);
    if (q.status) clauses.push(`ExecutionStatus = '${q.status === 'open' ? 'Running' : 'Completed'}'`);
    if (q.minEscalationLevel !== undefined) clauses.push(`${ESCALATION_LEVEL.name} >= ${q.minEscalationLevel + 1}`);
    const before = q.overdue === 'true' ? new Date().toISOString() : q.deadlineBefore ? new Date(q.deadlineBefore).toISOString() : undefined;
    if (before) clauses.push(`${NEXT_DEADLINE.name} < '${before}'`);
    const items: unknown[] = [];
    for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: q.limit })) {
      const sa = wf.typedSearchAttributes;
      items.push({
        id: wf.workflowId,
        status: wf.status.name === 'RUNNING' ? 'open' : 'closed',
        municipality: sa.get(MUNICIPALITY) ?? null,
        caseRef: sa.get(CASE_REF) ?? null,
        definition: { id: sa.get(DEFINITION_ID) ?? null, version: sa.get(DEFINITION_VERSION) ?? null },
        phase: sa.get(PHASE) ?? null,
        openSteps: sa.get(OPEN_STEPS) ?? 0,
        nextDeadline: sa.get(NEXT_DEADLINE)?.toISOString() ?? null,
        escalationLevel: sa.get(ESCALATION_LEVEL) ?? 0,
        links: { self: `/v1/trajectories/${wf.workflowId}` },
      });
      if (items.length >= q.limit) break;
    }
    res.json({ items, count: items.length });
  });

  app.get('/v1/trajectories/:id', async (req, res) => {
    const id = idParam(req);
    try {
      const state = await client.workflow.getHandle(id).query(getStateQuery);
      // How long each step has been open, as of this request (the workflow only knows its own last task time).
      const now = Date.now();
      const openSteps = state.openSteps.map((s) => ({ ...s, openForSeconds: Math.max(0, Math.round((now - Date.parse(s.openedAt)) / 1000)) }));
      res.json({ id, ...state, openSteps });
    } catch (err) {
      await translateTemporalError(client, err, id);
    }
  });

  app.post('/v1/trajectories/:id/steps/:stepId/complete', requireJson, async (req, res) => {
    const id = idParam(req);
    const stepId = parse(z.object({ stepId: StepId }), { stepId: req.params.stepId }, 'params').stepId;
    const body = parse(CompleteStepRequest, req.body, 'body');
    try {
      const step = await client.workflow.getHandle(id).executeUpdate(completeStepUpdate, { args: [{ stepId, ...body }] });
      res.json(step);
    } catch (err) {
      await translateTemporalError(client, err, id);
    }
  });

  app.post('/v1/trajectories/:id/events', requireJson, async (req, res) => {
    const id = idParam(req);
    const body = parse(ReportEventRequest, req.body, 'body');
    const handle = client.workflow.getHandle(id);
    let known: string[];
    try {
      const state = await handle.query(getStateQuery);
      if (state.status === 'closed') throw new ProblemError('conflict', `trajectory ${id} is closed`);
      known = definitions.get(state.definition.id, state.definition.version)?.events.map((e) => e.id) ?? [];
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      return translateTemporalError(client, err, id);
    }
    if (!known.includes(body.event)) {
      const suggestion = didYouMean(body.event, known);
      throw new ProblemError('invalid-request', 'the request body is invalid', {
        errors: [{ path: '/body/event', message: `unknown event "${body.event}"; known: ${known.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}` }],
      });
    }
    try {
      await handle.signal(reportEventSignal, body);
    } catch (err) {
      await translateTemporalError(client, err, id);
    }
    res.status(202).json({ accepted: true, event: body.event });
  });

  /** Runs a validated update on a trajectory and answers with its result (or the mapped refusal). */
  const updateRoute = <B>(path: string, schema: z.ZodType<B>, run: (req: Request, body: B) => { update: any; args: unknown }) => {
    app.post(path, requireJson, async (req, res) => {
      const id = idParam(req);
      const body = parse(schema, req.body, 'body');
      const { update, args } = run(req, body);
      try {
        const state = await client.workflow.getHandle(id).executeUpdate(update, { args: [args] });
        res.json({ id, ...(state as object) });
      } catch (err) {
        await translateTemporalError(client, err, id);
      }
    });
  };
  const escalationParam = (req: Request) => parse(z.object({ escalationId: EscalationId }), { escalationId: req.params.escalationId }, 'params').escalationId;

  updateRoute('/v1/trajectories/:id/escalations/:escalationId/acknowledge', AcknowledgeRequest, (req, body) => ({
    update: acknowledgeEscalationUpdate,
    args: { escalationId: escalationParam(req), ...body },
  }));
  updateRoute('/v1/trajectories/:id/escalations/:escalationId/decisions', DecisionRequest, (req, body) => ({
    update: decideEscalationUpdate,
    args: { escalationId: escalationParam(req), decision: body },
  }));
  updateRoute('/v1/trajectories/:id/pause', PauseRequest, (_req, body) => ({ update: pauseUpdate, args: body }));
  updateRoute('/v1/trajectories/:id/resume', ResumeRequest, (_req, body) => ({ update: resumeUpdate, args: body }));
  updateRoute('/v1/trajectories/:id/steps/:stepId/reschedule', RescheduleRequest, (req, body) => ({
    update: rescheduleUpdate,
    args: { stepId: parse(z.object({ stepId: StepId }), { stepId: req.params.stepId }, 'params').stepId, ...body },
  }));

  app.post('/v1/trajectories/:id/close', requireJson, async (req, res) => {
    const id = idParam(req);
    const body = parse(CloseTrajectoryRequest, req.body, 'body');
    try {
      const state = await client.workflow.getHandle(id).executeUpdate(closeUpdate, { args: [body] });
      res.json({ id, ...state });
    } catch (err) {
      await translateTemporalError(client, err, id);
    }
  });

  app.use(notFoundHandler);
  app.use(problemHandler((err, req) => logger.error({ err, method: req.method, path: req.route?.path }, 'unexpected error')));
  return app;
}
