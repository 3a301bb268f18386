/**
 * Trajectories: start one per case, read and list them, and act on them (complete a step, report an event, pause,
 * resume, reschedule, close, re-open). Every action goes through the workflow (an update, validated by the workflow
 * before it touches history, or a signal) and records the token's subject as who acted.
 */
import { z } from 'zod';
import type { WorkflowHandle } from '@temporalio/client';
import {
  closedStepView,
  closeUpdate,
  completeStepUpdate,
  pauseUpdate,
  reportEventSignal,
  rescheduleUpdate,
  resumeUpdate,
  type trajectoryWorkflow,
  type TrajectoryView,
} from '../../workflows/trajectory.js';
import { CASE_REF, DEFINITION_ID, DEFINITION_VERSION, ESCALATION_LEVEL, MUNICIPALITY, NEXT_DEADLINE, OPEN_STEPS, PHASE } from '../../workflows/search-attributes.js';
import { engineId } from '../../definitions/ids.js';
import { didYouMean } from '../../definitions/validate.js';
import { reopenTrajectory, ReopenError } from '../../clients/reopen.js';
import { startTrajectory, TrajectoryExists, trajectoryFacts } from '../../clients/trajectories.js';
import { REGISTERED_DEFINITION_LABEL } from '../../runtime/metrics.js';
import { ProblemError } from '../problem.js';
import { refusalProblem, type Refusal } from '../refusals.js';
import { route, type RouteSpec } from '../route.js';
import type { Checked, SameShape } from '../shape.js';
import { ownTrajectory, trajectoryState, translateTemporalError, type Services } from '../services.js';
import {
  ClosedStepView,
  CloseTrajectoryRequest,
  CompleteStepRequest,
  EventAccepted,
  ListTrajectoriesQuery,
  PauseRequest,
  ReopenTrajectoryRequest,
  ReportEventRequest,
  RescheduleRequest,
  ResumeRequest,
  StartTrajectoryRequest,
  StepId,
  TrajectoryCreated,
  TrajectoryId,
  TrajectoryList,
  TrajectoryState,
  escalationBody,
  stepBody,
  trajectoryId,
} from '../schemas.js';

const IdParams = z.strictObject({ id: TrajectoryId });
const StepParams = z.strictObject({ id: TrajectoryId, stepId: StepId });
const READERS = ['case-system', 'operator'] as const;
const ACTORS = ['case-system'] as const;
/** Opschorting and rescheduling: the regisseur through the case system, or an operator. */
const CLOCK_KEEPERS = ['case-system', 'operator'] as const;
/** What the engine refuses on a step of a trajectory (the step is looked up first: closed, then not open). */
const ON_STEP: readonly Refusal[] = ['TrajectoryClosed', 'StepNotOpen'];

/**
 * The state as the API shows it: the query's view plus its id and how long each step has been open, as of now, with
 * step and escalation ids in the API's spelling (definitions/ids.ts; requests are translated back with `engineId`).
 */
function present(id: string, state: TrajectoryView) {
  const now = Date.now();
  const openSteps = state.openSteps.map((s) => ({ ...stepBody(s), openForSeconds: Math.max(0, Math.round((now - Date.parse(s.openedAt)) / 1000)) }));
  return { id, ...state, openSteps, completedSteps: state.completedSteps.map(stepBody), escalations: state.escalations.map(escalationBody) };
}
// The document's schema of the state is what `present` builds from the workflow's view, field for field.
export type _TrajectoryState = Checked<SameShape<z.output<typeof TrajectoryState>, ReturnType<typeof present>>>;

/** The highest open ladder level from {@link ESCALATION_LEVEL} (highest open level + 1, 0 for none); null for none. */
function ladderLevel(encoded: number | undefined): number | null {
  return encoded !== undefined && encoded > 0 ? encoded - 1 : null;
}

export function trajectoryRoutes(s: Services): RouteSpec[] {
  const { client, taskQueue, catalog, metrics } = s;

  /** Calls Temporal about one of the caller's trajectories; its errors become problems (404, 409, 422). */
  const call = async <T>(id: string, run: (handle: WorkflowHandle<typeof trajectoryWorkflow>) => Promise<T>): Promise<T> => {
    try {
      return await run(client.workflow.getHandle(id));
    } catch (err) {
      return translateTemporalError(client, err, id);
    }
  };

  /** A trajectory's state; a closed one from its run's result (see {@link trajectoryState}). */
  const readState = (id: string) => call(id, () => trajectoryState(client, id));

  /** Whether a trajectory is closed, and which definition it runs (see {@link trajectoryFacts}). */
  const eventTarget = (id: string) => call(id, () => trajectoryFacts(client, id));

  return [
    route({
      method: 'post',
      path: '/v1/trajectories',
      operationId: 'startTrajectory',
      tag: 'trajectories',
      summary: 'Start the trajectory of a case',
      description:
        "The case system's case reference is the business key: a case has at most one trajectory (409 with a link to it). The municipality is the token's.",
      roles: ACTORS,
      body: StartTrajectoryRequest,
      errors: {
        403: "The token's role may not do this, or the body names another municipality than the token's.",
        409: 'The case has a trajectory already: `existing` is where it is.',
      },
      responses: { 201: { description: 'Started; `Location` points at it.', schema: TrajectoryCreated } },
      handler: async ({ principal, body, res }) => {
        const municipality = principal.municipality;
        if (body.municipality && body.municipality !== municipality) {
          throw new ProblemError('forbidden', `this token acts for ${municipality} only (body /municipality is ${body.municipality})`);
        }
        const definition = await catalog.get(municipality, body.definitionId, body.definitionVersion);
        if (!definition) {
          const versions = await catalog.versionsOf(municipality, body.definitionId);
          const suggestion = didYouMean(body.definitionId, await catalog.ids(municipality));
          throw new ProblemError('invalid-request', 'the request body is invalid', {
            errors: [
              versions.length
                ? { path: '/body/definitionVersion', message: `unknown version ${body.definitionVersion}; registered: ${versions.join(', ')}` }
                : { path: '/body/definitionId', message: `unknown definition "${body.definitionId}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}` },
            ],
          });
        }
        const id = trajectoryId(municipality, body.caseRef);
        try {
          await startTrajectory(client, taskQueue, id, { caseRef: body.caseRef, municipality, definition, startedBy: principal.subject, ...(body.data ? { data: body.data } : {}) });
        } catch (err) {
          if (err instanceof TrajectoryExists) {
            throw new ProblemError('conflict', `case ${body.caseRef} of ${municipality} already has a trajectory`, { existing: `/v1/trajectories/${id}` });
          }
          throw err;
        }
        // A definition id the municipality chose itself is no label: it counts as `registered`.
        metrics.trajectoriesStarted.inc({ municipality, definition: catalog.isShipped(definition.id) ? definition.id : REGISTERED_DEFINITION_LABEL });
        res
          .status(201)
          .location(`/v1/trajectories/${id}`)
          .json({ id, links: { self: `/v1/trajectories/${id}` } } satisfies z.output<typeof TrajectoryCreated>);
      },
    }),

    route({
      method: 'get',
      path: '/v1/trajectories',
      operationId: 'listTrajectories',
      tag: 'trajectories',
      summary: "List and filter the municipality's trajectories",
      description:
        "Served from Temporal's visibility store (search attributes), so it scales past what a worker holds in memory. Visibility is eventually consistent: a change shows within about a second.",
      roles: READERS,
      query: ListTrajectoriesQuery,
      errors: { 403: "The token's role may not do this, or `municipality` is another than the token's." },
      responses: { 200: { description: 'The matching trajectories, newest first.', schema: TrajectoryList } },
      handler: async ({ principal, query: q, res }) => {
        if (q.municipality && q.municipality !== principal.municipality) {
          throw new ProblemError('forbidden', `this token lists ${principal.municipality} only (query municipality is ${q.municipality})`);
        }
        // Every value is validated by its schema, so quoting it into the visibility query is safe.
        // Visibility holds one record per run: a run that continued as new is never the trajectory's current state,
        // and a re-opened trajectory has its closed run besides the running one (the newest, listed first, counts).
        const clauses = [
          `WorkflowType = 'trajectoryWorkflow'`,
          `${MUNICIPALITY.name} = '${principal.municipality}'`,
          `ExecutionStatus != 'ContinuedAsNew'`,
        ];
        if (q.definitionId) clauses.push(`${DEFINITION_ID.name} = '${q.definitionId}'`);
        if (q.phase) clauses.push(`${PHASE.name} = '${q.phase}'`);
        // Both filters hold when both are given: due before now and before the date.
        const bounds = [...(q.overdue === 'true' ? [Date.now()] : []), ...(q.deadlineBefore ? [Date.parse(q.deadlineBefore)] : [])];
        const before = bounds.length ? new Date(Math.min(...bounds)).toISOString() : undefined;
        // Deadlines and escalations are of open trajectories only (a closed run keeps its last values).
        const status = before !== undefined || q.minEscalationLevel !== undefined ? 'open' : q.status;
        if (status) clauses.push(`ExecutionStatus = '${status === 'open' ? 'Running' : 'Completed'}'`);
        if (q.minEscalationLevel !== undefined) clauses.push(`${ESCALATION_LEVEL.name} >= ${q.minEscalationLevel + 1}`);
        if (before) clauses.push(`${NEXT_DEADLINE.name} < '${before}'`);
        if (q.status === 'closed' && status === 'open') {
          res.json({ items: [], count: 0 }); // closed, yet with an open deadline or escalation: nothing
          return;
        }
        const items: z.infer<typeof TrajectoryList>['items'] = [];
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
            // The search attribute counts from 1 (0: nothing escalated); the API speaks ladder levels, null for none.
            escalationLevel: ladderLevel(sa.get(ESCALATION_LEVEL)),
            links: { self: `/v1/trajectories/${wf.workflowId}` },
          });
          if (items.length >= q.limit) break;
        }
        // A trajectory is its running run if it has one (a closed run of a re-opened trajectory is history), else its
        // most recently closed run (listed first).
        const running = new Set(items.filter((i) => i.status === 'open').map((i) => i.id));
        const closed = [...new Set(items.filter((i) => i.status === 'closed').map((i) => i.id))].filter(
          (id) => !running.has(id) && TrajectoryId.safeParse(id).success, // safe to quote into the query
        );
        if (closed.length) {
          const query = `WorkflowType = 'trajectoryWorkflow' AND ExecutionStatus = 'Running' AND WorkflowId IN (${closed.map((id) => `'${id}'`).join(', ')})`;
          for await (const wf of client.workflow.list({ query })) running.add(wf.workflowId);
        }
        const shown = new Set<string>();
        const current = items.filter((i) => {
          if (shown.has(i.id) || (i.status === 'closed' && running.has(i.id))) return false;
          shown.add(i.id);
          return true;
        });
        res.json({ items: current, count: current.length });
      },
    }),

    route({
      method: 'get',
      path: '/v1/trajectories/:id',
      operationId: 'getTrajectory',
      tag: 'trajectories',
      summary: "A trajectory's full state",
      description: 'Phase, open steps (with owner, due date, how long open and the next escalation), completed steps, the family plan, phase history, events, incidents and every escalation with its decisions (the audit trail).',
      roles: READERS,
      params: IdParams,
      responses: { 200: { description: 'The state.', schema: TrajectoryState } },
      handler: async ({ principal, params, res }) => {
        const id = ownTrajectory(principal, params.id);
        res.json(present(id, await readState(id)));
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/steps/:stepId/complete',
      operationId: 'completeStep',
      tag: 'trajectories',
      summary: 'Complete an open step',
      description: "A workflow update: refused synchronously (409) when the step is not open, without touching the trajectory. `output` is merged into the trajectory's data.",
      roles: ACTORS,
      params: StepParams,
      body: CompleteStepRequest,
      refusals: [...ON_STEP, 'InvalidRequest'],
      responses: { 200: { description: 'The closed step.', schema: ClosedStepView } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        const args = { stepId: engineId(params.stepId), completedBy: principal.subject, ...(body.output ? { output: body.output } : {}) };
        res.json(stepBody(closedStepView(await call(id, (h) => h.executeUpdate(completeStepUpdate, { args: [args] })))));
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/events',
      operationId: 'reportEvent',
      tag: 'trajectories',
      summary: 'Report an event (contact with the family, plan agreed, relapse signal, …)',
      description: "Any event the trajectory's definition knows (400 with a suggestion otherwise). Delivered as a signal: accepted (202) and processed by the workflow right after.",
      roles: ACTORS,
      params: IdParams,
      body: ReportEventRequest,
      refusals: ['TrajectoryClosed'],
      responses: { 202: { description: 'Accepted.', schema: EventAccepted } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        const state = await eventTarget(id);
        if (state.status === 'closed') throw refusalProblem('TrajectoryClosed', `trajectory ${id} is closed`);
        const known = (await catalog.get(principal.municipality, state.definition.id, state.definition.version))?.events.map((e) => e.id) ?? [];
        if (!known.includes(body.event)) {
          const suggestion = didYouMean(body.event, known);
          throw new ProblemError('invalid-request', 'the request body is invalid', {
            errors: [{ path: '/body/event', message: `unknown event "${body.event}"; known: ${known.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}` }],
          });
        }
        const event = { event: body.event, ...(body.payload !== undefined ? { payload: body.payload } : {}), reportedBy: principal.subject };
        await call(id, (h) => h.signal(reportEventSignal, event));
        res.status(202).json({ accepted: true, event: body.event } satisfies z.output<typeof EventAccepted>);
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/pause',
      operationId: 'pause',
      tag: 'trajectories',
      summary: "Pause a step's clock, or the whole trajectory's (opschorting)",
      description: 'Without `stepId` every clock of the trajectory stands still (step deadlines, ladders, flow timers, the contact watch). Answers with the new state.',
      roles: CLOCK_KEEPERS,
      params: IdParams,
      body: PauseRequest,
      refusals: [...ON_STEP, 'StateConflict', 'InvalidRequest'],
      responses: { 200: { description: 'The new state.', schema: TrajectoryState } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        res.json(present(id, await call(id, (h) => h.executeUpdate(pauseUpdate, { args: [{ ...body, ...(body.stepId !== undefined ? { stepId: engineId(body.stepId) } : {}), by: principal.subject }] }))));
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/resume',
      operationId: 'resume',
      tag: 'trajectories',
      summary: 'Resume a paused step or trajectory',
      description: 'Every timer continues with the time it had left.',
      roles: CLOCK_KEEPERS,
      params: IdParams,
      body: ResumeRequest,
      refusals: [...ON_STEP, 'StateConflict'],
      responses: { 200: { description: 'The new state.', schema: TrajectoryState } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        res.json(present(id, await call(id, (h) => h.executeUpdate(resumeUpdate, { args: [{ ...body, ...(body.stepId !== undefined ? { stepId: engineId(body.stepId) } : {}), by: principal.subject }] }))));
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/steps/:stepId/reschedule',
      operationId: 'reschedule',
      tag: 'trajectories',
      summary: "Move a step's deadline, with a reason",
      description: 'Resolves its open escalations; the ladder restarts from the new date.',
      roles: CLOCK_KEEPERS,
      params: StepParams,
      body: RescheduleRequest,
      refusals: [...ON_STEP, 'InvalidRequest'],
      responses: { 200: { description: 'The new state.', schema: TrajectoryState } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        const args = { stepId: engineId(params.stepId), dueAt: body.dueAt, reason: body.reason, by: principal.subject };
        res.json(present(id, await call(id, (h) => h.executeUpdate(rescheduleUpdate, { args: [args] }))));
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/close',
      operationId: 'closeTrajectory',
      tag: 'trajectories',
      summary: 'Close a trajectory, with a reason',
      description: 'Open steps are cancelled. 409 when it is already closed.',
      roles: ACTORS,
      params: IdParams,
      body: CloseTrajectoryRequest,
      refusals: ['TrajectoryClosed', 'InvalidRequest'],
      responses: { 200: { description: 'The closed state.', schema: TrajectoryState } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        res.json(present(id, await call(id, (h) => h.executeUpdate(closeUpdate, { args: [{ reason: body.reason, closedBy: principal.subject }] }))));
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/reopen',
      operationId: 'reopenTrajectory',
      tag: 'trajectories',
      summary: 'Re-open a closed trajectory',
      description:
        'Continues the same trajectory (same id, its history of steps, escalations and events kept) in the given phase, by default the one it closed in; no new intake. 409 when it is open.',
      roles: ACTORS,
      params: IdParams,
      body: ReopenTrajectoryRequest,
      refusals: ['TrajectoryOpen', 'InvalidRequest'],
      responses: { 200: { description: 'The re-opened state.', schema: TrajectoryState } },
      handler: async ({ principal, params, body, res }) => {
        const id = ownTrajectory(principal, params.id);
        try {
          await reopenTrajectory(client, { workflowId: id, taskQueue, ...(body.phase ? { phase: body.phase } : {}), reason: body.reason, by: principal.subject });
        } catch (err) {
          if (err instanceof ReopenError) {
            if (err.field === 'phase') {
              throw new ProblemError('invalid-request', 'the request body is invalid', { errors: [{ path: '/body/phase', message: err.message }] });
            }
            throw refusalProblem(err.type, err.message);
          }
          await translateTemporalError(client, err, id);
        }
        res.json(present(id, await readState(id)));
      },
    }),
  ];
}
