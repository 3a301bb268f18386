/**
 * Escalations: the inbox of a ladder role (teamleider, procesregisseur, wethouder…) in the token's municipality, and
 * acknowledging and deciding on an escalation. Decisions record the token's subject as who decided.
 */
import { z } from 'zod';
import { overdue, type CalendarOptions } from '../../definitions/calendar.js';
import { engineId } from '../../definitions/ids.js';
import { acknowledgeEscalationUpdate, decideEscalationUpdate, getStateQuery, type TrajectoryView } from '../../workflows/trajectory.js';
import { ESCALATION_LEVEL, MUNICIPALITY } from '../../workflows/search-attributes.js';
import type { Principal } from '../auth.js';
import { ProblemError } from '../problem.js';
import type { Refusal } from '../refusals.js';
import { route, type RouteSpec } from '../route.js';
import type { Checked, SameShape } from '../shape.js';
import { ownTrajectory, trajectoryState, translateTemporalError, type Services } from '../services.js';
import { AcknowledgeRequest, DecisionRequest, EscalationId, escalationBody, Inbox, InboxItem, InboxQuery, TrajectoryId } from '../schemas.js';

const EscalationParams = z.strictObject({ id: TrajectoryId, escalationId: EscalationId });
/** Trajectories the inbox reads at most per request (each is one query to its workflow). */
const INBOX_SCAN_LIMIT = 200;
/** Queries to workflows in flight at once while filling an inbox. */
const INBOX_CONCURRENCY = 8;

type Escalation = TrajectoryView['escalations'][number];

/** Where an unresolved escalation stands. */
function stateOf(e: Escalation): 'open' | 'acknowledged' | 'decided' {
  if (e.decisions.length) return 'decided';
  return e.acknowledgedAt ? 'acknowledged' : 'open';
}

/**
 * An escalation as the inbox and the answers to acknowledge and decide show it: the record, where it stands, how long
 * its step (or the contact) has stood still now, with the calendar of the trajectory's definition (`calendar`: the one
 * the trajectory's view carries, which the engine counts with; {@link overdue}, as the escalation's e-mail and webhook
 * give it for the instant the level fell due), and links.
 */
export function inboxItem(trajectoryId: string, e: Escalation, calendar: CalendarOptions, now = Date.now()) {
  const body = escalationBody(e);
  // The API's spelling of the id is safe in a path as it is (definitions/ids.ts).
  const base = `/v1/trajectories/${trajectoryId}/escalations/${body.id}`;
  return {
    ...body,
    trajectoryId,
    state: stateOf(e),
    ...overdue(Date.parse(e.dueAt), now, calendar),
    links: { trajectory: `/v1/trajectories/${trajectoryId}`, acknowledge: `${base}/acknowledge`, decide: `${base}/decisions` },
  };
}
// The document's schema of an inbox item is what `inboxItem` builds from the workflow's view, field for field.
export type _InboxItem = Checked<SameShape<z.output<typeof InboxItem>, ReturnType<typeof inboxItem>>>;

/**
 * A multi-instance element's escalation by the reference its notifications carry instead of its id (which carries
 * data): `<node>:*<element>` and the rest of the id after the step's key (`goals:*2@1`, `goals:*2~2@0~2`).
 */
function byElement(escalations: Escalation[], requested: string): Escalation | undefined {
  const match = /^([a-z][a-z0-9-]*)[:/]\*(\d+)([#~@].*)$/.exec(requested);
  if (!match) return undefined;
  const [, node, element, rest] = match;
  return escalations.find((e) => e.nodeId === node && e.element === Number(element) && e.stepId !== null && e.id === `${e.stepId.replace(/#\d+$/, '')}${engineId(rest!)}`);
}

/** What the engine refuses on an escalation (looked up first: the trajectory closed, no such escalation, resolved). */
const ON_ESCALATION: readonly Refusal[] = ['TrajectoryClosed', 'EscalationNotFound', 'EscalationResolved'];

/**
 * The working-day calendar of a trajectory's definition, as its view carries it (the engine's: no catalog read, so
 * the inbox counts as the engine and the e-mail do even when the catalog cannot be read or no longer has the
 * version). Only a view written before it carried the calendar (a run that ended before, or a worker of before
 * answering) lacks it: then the plain Dutch calendar.
 */
function calendarOf(state: TrajectoryView): CalendarOptions {
  return state.definition.calendar ?? {};
}

/** Whether a manager answers escalations of this role (a token without `escalation_roles` answers all). */
function answers(principal: Principal, role: string): boolean {
  return principal.role !== 'manager' || !principal.escalationRoles || principal.escalationRoles.includes(role);
}

export function escalationRoutes(s: Services): RouteSpec[] {
  const { client } = s;

  /**
   * Runs an escalation update after checking the escalation exists and the manager answers its role (otherwise it
   * is a 404: a manager does not learn of escalations that are not theirs). Answers with that escalation only: a
   * manager does not read the trajectory's state.
   */
  const onEscalation = async (principal: Principal, trajectory: string, requested: string, run: (escalationId: string) => Promise<TrajectoryView>) => {
    const id = ownTrajectory(principal, trajectory);
    try {
      const state = await trajectoryState(client, id); // a closed run from its result: no worker replays it
      // Either spelling (definitions/ids.ts): the engine's ids are what its state and updates know.
      const escalation = state.escalations.find((e) => e.id === engineId(requested)) ?? byElement(state.escalations, requested);
      if (!escalation || !answers(principal, escalation.role)) throw new ProblemError('not-found', `escalation "${requested}" does not exist`);
      const after = await run(escalation.id);
      return inboxItem(id, after.escalations.find((e) => e.id === escalation.id)!, calendarOf(after));
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      return translateTemporalError(client, err, id);
    }
  };

  return [
    route({
      method: 'get',
      path: '/v1/escalations',
      operationId: 'escalationInbox',
      tag: 'escalations',
      summary: "A role's escalation inbox",
      description:
        `Unresolved escalations of the token's municipality, oldest first: \`open\` (not yet acknowledged), \`acknowledged\`, \`decided\` (decided, the step has not moved yet, e.g. an instruction). A manager sees the roles of its token's \`escalation_roles\` (all without it). Found through the visibility store (trajectories with an open escalation), at most ${INBOX_SCAN_LIMIT} trajectories per request; resolved escalations stay in each trajectory's audit trail. \`truncated\` says when more trajectories have open escalations than one request reads.`,
      roles: ['manager', 'operator'],
      query: InboxQuery,
      errors: { 403: "The token's role may not do this, or it does not answer the escalations of `role` (a manager's `escalation_roles`)." },
      responses: { 200: { description: 'The inbox.', schema: Inbox } },
      handler: async ({ principal, query: q, res }) => {
        if (q.role && !answers(principal, q.role)) {
          throw new ProblemError('forbidden', `this token answers escalations of ${principal.escalationRoles!.join(', ')}, not of ${q.role}`);
        }
        const query = `WorkflowType = 'trajectoryWorkflow' AND ExecutionStatus = 'Running' AND ${MUNICIPALITY.name} = '${principal.municipality}' AND ${ESCALATION_LEVEL.name} >= 1`;
        const ids: string[] = [];
        let truncated = false;
        for await (const wf of client.workflow.list({ query, pageSize: 100 })) {
          if (ids.length >= INBOX_SCAN_LIMIT) {
            truncated = true;
            break;
          }
          ids.push(wf.workflowId);
        }
        const now = Date.now();
        const items: Array<ReturnType<typeof inboxItem>> = [];
        for (let i = 0; i < ids.length; i += INBOX_CONCURRENCY) {
          const batch = ids.slice(i, i + INBOX_CONCURRENCY);
          const states = await Promise.all(batch.map((id) => client.workflow.getHandle(id).query(getStateQuery).catch(() => undefined)));
          for (const [k, state] of states.entries()) {
            if (!state) continue;
            const id = batch[k]!;
            const open = state.escalations.filter(
              (e) => e.resolvedAt === undefined && answers(principal, e.role) && (!q.role || e.role === q.role) && (!q.state || stateOf(e) === q.state),
            );
            if (open.length === 0) continue;
            for (const e of open) items.push(inboxItem(id, e, calendarOf(state), now));
          }
        }
        items.sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt));
        const page = items.slice(0, q.limit);
        res.json({ items: page, count: page.length, truncated: truncated || items.length > q.limit });
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/escalations/:escalationId/acknowledge',
      operationId: 'acknowledgeEscalation',
      tag: 'escalations',
      summary: 'Acknowledge an escalation (it has been seen)',
      description: 'Records the token\'s subject and the time. 409 when it is resolved or was acknowledged already, or the trajectory is closed.',
      roles: ['manager'],
      params: EscalationParams,
      body: AcknowledgeRequest,
      // Already acknowledged, resolved, or the trajectory closed: each a conflict with the state, never a 422.
      refusals: [...ON_ESCALATION, 'StateConflict'],
      responses: { 200: { description: 'The escalation, acknowledged.', schema: InboxItem } },
      handler: async ({ principal, params, res }) => {
        res.json(
          await onEscalation(principal, params.id, params.escalationId, (escalationId) =>
            client.workflow.getHandle(params.id).executeUpdate(acknowledgeEscalationUpdate, { args: [{ escalationId, acknowledgedBy: principal.subject }] }),
          ),
        );
      },
    }),

    route({
      method: 'post',
      path: '/v1/trajectories/:id/escalations/:escalationId/decisions',
      operationId: 'decideEscalation',
      tag: 'escalations',
      summary: 'Decide on an escalation',
      description:
        'A breakthrough (an exception, optionally with a budget and the mandate holder), a new deadline (the ladder restarts from it), a reassignment, or an instruction to the partner (the ladder keeps running until the step moves). Recorded with the token\'s subject, the time and the reason.',
      roles: ['manager'],
      params: EscalationParams,
      body: DecisionRequest,
      refusals: [...ON_ESCALATION, 'InvalidRequest'],
      responses: { 200: { description: 'The escalation with the decision (resolved, when the decision resolves it).', schema: InboxItem } },
      handler: async ({ principal, params, body, res }) => {
        const decision = { ...body, decidedBy: principal.subject };
        res.json(
          await onEscalation(principal, params.id, params.escalationId, (escalationId) =>
            client.workflow.getHandle(params.id).executeUpdate(decideEscalationUpdate, { args: [{ escalationId, decision }] }),
          ),
        );
      },
    }),
  ];
}
