/**
 * The trajectory workflow: one execution per family trajectory, keyed by the case system's case reference. It is the
 * interpreter of process definitions: it runs the definition it was started with (pinned for its whole life, also
 * across continue-as-new) through the pure {@link TrajectoryEngine}, and adds what needs Temporal: durable timers,
 * activities for service tasks, messages, search attributes and continue-as-new.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { NotificationEnvelope } from '../activities/cloudevents.js';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Definition } from '../definitions/schema.js';
import {
  EngineRejection,
  TrajectoryEngine,
  type ClosedStep,
  type DecisionInput,
  type EngineState,
  type EscalationRecord,
  type EventRecord,
  type Incident,
  type Notification,
  type OpenStep,
  type PhaseEntry,
  type Reopening,
} from './engine.js';
import { CASE_REF, CLOSED_PHASE, DEFINITION_ID, DEFINITION_VERSION, ESCALATION_LEVEL, MUNICIPALITY, NEXT_DEADLINE, OPEN_STEPS, PHASE } from './search-attributes.js';

/** What a trajectory is started with. Pseudonymous references only: no names, no BSN. */
export interface TrajectoryInput {
  /** The case system's case reference (pseudonymous business key). */
  caseRef: string;
  /** CBS municipality code, e.g. `GM0363`. */
  municipality: string;
  /** The validated definition to run; pinned for the trajectory's whole life. */
  definition: Definition;
  /** Who started it (the case system's token subject); shown in the state. */
  startedBy?: string;
  /** Initial trajectory data, merged over the definition's `variables`. */
  data?: Record<string, unknown>;
  /**
   * Continue as new once the history has this many events, besides whenever Temporal suggests it.
   * Default: only Temporal's suggestion (by default at about 4 000 events or 4 MiB of history in the dev server).
   */
  maxHistoryEvents?: number;
  /** Set by continue-as-new: the engine state to carry on from. */
  state?: EngineState;
  /** Set by continue-as-new: how many runs came before this one. */
  runs?: number;
  /**
   * Re-open the closed trajectory in `state` at the start of this run (see `reopenTrajectory` in worker/reopen.ts):
   * into `phase` (default: the phase it was in when it closed), with who and why. Only with `state`; a run uses it
   * once, and continue-as-new does not carry it on.
   */
  reopen?: { phase?: string; reason: string; by: string };
}

/** What a run holds: enough to start the trajectory's next run (re-opening after it closed). */
export interface TrajectorySnapshot {
  /** The run's input without its state. */
  input: Omit<TrajectoryInput, 'state' | 'runs' | 'reopen'>;
  state: EngineState;
  /** How many runs came before this one. */
  runs: number;
}

/**
 * What a run returns when it ends: the state at its end and the snapshot to start its next run from (a re-opening).
 * Read from the run's last history event, it serves a closed trajectory without a worker replaying the run.
 */
export interface TrajectoryResult extends TrajectoryView {
  snapshot: TrajectorySnapshot;
}

/** A trajectory's state as the query returns it. Times are ISO 8601 strings. */
export interface TrajectoryView {
  caseRef: string;
  municipality: string;
  definition: { id: string; version: number; name: string };
  status: 'open' | 'closed';
  phase: { id: string; name: string; since: string } | null;
  startedAt: string;
  /** Who started it, when the start recorded it. */
  startedBy?: string;
  closedAt?: string;
  closeReason?: string;
  closedBy?: string;
  openSteps: Array<
    Omit<OpenStep, 'openedAt' | 'dueAt' | 'ladder' | 'paused' | 'reschedules'> & {
      openedAt: string;
      dueAt: string;
      /** When the next escalation level fires, and which. */
      nextEscalation?: { level: number; at: string };
      paused?: { since: string; reason: string; by: string };
      reschedules?: Array<{ at: string; from: string; to: string; reason: string; by: string }>;
    }
  >;
  completedSteps: ClosedStepView[];
  cancelledSteps: number;
  /** The family plan, when the flow has recorded one in `gezinsplan`. */
  familyPlan: unknown;
  data: Record<string, unknown>;
  phaseHistory: Array<Omit<PhaseEntry, 'enteredAt' | 'leftAt'> & { enteredAt: string; leftAt?: string }>;
  events: Array<Omit<EventRecord, 'at'> & { at: string }>;
  lastEventAt: Record<string, string>;
  incidents: Array<Omit<Incident, 'at'> & { at: string }>;
  /** Earliest open due date. */
  nextDeadline?: string;
  /** Every escalation, open and resolved, with decisions: the audit trail. */
  escalations: Array<
    Omit<EscalationRecord, 'dueAt' | 'raisedAt' | 'acknowledgedAt' | 'resolvedAt' | 'decisions'> & {
      dueAt: string;
      raisedAt: string;
      acknowledgedAt?: string;
      resolvedAt?: string;
      decisions: Array<Record<string, unknown>>;
    }
  >;
  /** Set while the whole trajectory is paused (opschorting). */
  paused?: { since: string; reason: string; by: string };
  /** When contact with the family is next due (the contact watch). */
  contactDueAt?: string;
  /** Every re-opening after a closure, oldest first (only once re-opened). */
  reopenings?: Array<Omit<Reopening, 'at' | 'closedAt'> & { at: string; closedAt: string }>;
  /** How often this trajectory has continued as new (or been re-opened: each starts a new run). */
  runs: number;
}

/** A closed step as the query and the API show it: times as ISO 8601, without its internal ladder position. */
export type ClosedStepView = Omit<ClosedStep, 'openedAt' | 'dueAt' | 'closedAt' | 'ladder' | 'paused' | 'reschedules'> & {
  openedAt: string;
  dueAt: string;
  closedAt: string;
  reschedules?: Array<{ at: string; from: string; to: string; reason: string; by: string }>;
};

/** A step's deadline changes with ISO 8601 times (open and closed steps alike). */
function reschedulesView(reschedules: NonNullable<OpenStep['reschedules']>) {
  return reschedules.map((r) => ({ ...r, at: iso(r.at), from: iso(r.from), to: iso(r.to) }));
}

/** The view of a closed step (pure: the API uses it for the answer to a completion too). */
export function closedStepView({ ladder: _ladder, paused: _paused, reschedules, ...c }: ClosedStep): ClosedStepView {
  return {
    ...c,
    openedAt: iso(c.openedAt),
    dueAt: iso(c.dueAt),
    closedAt: iso(c.closedAt),
    ...(reschedules ? { reschedules: reschedulesView(reschedules) } : {}),
  };
}

/** Query: the trajectory's full state. */
export const getStateQuery = defineQuery<TrajectoryView>('getState');

/**
 * Query: the run's input and engine state as they are, for starting the next run (re-opening a closed trajectory).
 * Answered by closed runs too (the worker replays them).
 */
export const getSnapshotQuery = defineQuery<TrajectorySnapshot>('getSnapshot');

/** Update: complete an open step. Rejected without touching history when the step is not open. */
export const completeStepUpdate = defineUpdate<
  ClosedStep,
  [{ stepId: string; completedBy: string; output?: Record<string, unknown> }]
>('completeStep');

/** Signal: an event from the case system (family contact, plan agreed, relapse signal…). */
export const reportEventSignal = defineSignal<[{ event: string; payload?: unknown; reportedBy?: string }]>('reportEvent');

/** Update: acknowledge an escalation (who has seen it). These updates answer with the trajectory's new state. */
export const acknowledgeEscalationUpdate = defineUpdate<TrajectoryView, [{ escalationId: string; acknowledgedBy: string }]>('acknowledgeEscalation');

/** Update: decide on an escalation: breakthrough, new deadline (ISO 8601 `dueAt`), reassign or instruction. */
export type DecisionRequest =
  | { type: 'breakthrough'; budget?: number; mandateHolder?: string; decidedBy: string; reason: string }
  | { type: 'new-deadline'; dueAt: string; decidedBy: string; reason: string }
  | { type: 'reassign'; owner: string; decidedBy: string; reason: string }
  | { type: 'instruction'; text: string; decidedBy: string; reason: string };
export const decideEscalationUpdate = defineUpdate<TrajectoryView, [{ escalationId: string; decision: DecisionRequest }]>('decideEscalation');

/** Update: pause a step's clock, or the whole trajectory's when `stepId` is absent (opschorting), with a reason. */
export const pauseUpdate = defineUpdate<TrajectoryView, [{ stepId?: string; reason: string; by: string }]>('pause');

/** Update: resume a paused step, or the whole trajectory; timers continue with the time they had left. */
export const resumeUpdate = defineUpdate<TrajectoryView, [{ stepId?: string; by: string }]>('resume');

/** Update: move a step's deadline (ISO 8601 `dueAt`) with a reason; its ladder restarts from it. */
export const rescheduleUpdate = defineUpdate<TrajectoryView, [{ stepId: string; dueAt: string; reason: string; by: string }]>('reschedule');

/**
 * Update: re-open a trajectory that is closed but whose run has not ended yet (its last notifications are still
 * being delivered). A run that has ended is re-opened as a new run instead (`reopenTrajectory` in worker/reopen.ts).
 */
export const reopenUpdate = defineUpdate<TrajectoryView, [{ phase?: string; reason: string; by: string }]>('reopen');

/** Update: close the trajectory with a reason. Rejected (history untouched) when it is already closed. */
export const closeUpdate = defineUpdate<TrajectoryView, [{ reason: string; closedBy?: string }]>('close');

/** Activities a service task may call: any registered activity, taking and returning JSON. */
type ServiceActivities = Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
const serviceActivities = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', maximumAttempts: 20 },
});

/** Notifications are retried until delivered (a receiver down for days still gets each event, once, by id). */
const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // No maximumAttempts: unlimited.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['WebhookGone'] },
});

/**
 * The directory lookup, as a regular activity: its result is an event in history. (Not a local activity: its result
 * can reach the workflow at another point on replay than it did live, and since the lookup's result moves the
 * workflow's timers, a full replay after a restart failed as non-deterministic; see test/restart.e2e.test.ts.)
 */
const directoryLookups = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const iso = (ms: number) => new Date(ms).toISOString();

function toDecision(request: DecisionRequest): DecisionInput {
  if (request.type === 'new-deadline') {
    const dueAt = Date.parse(request.dueAt);
    if (Number.isNaN(dueAt)) throw new EngineRejection('InvalidRequest', `dueAt "${request.dueAt}" is not an ISO 8601 date-time`);
    return { ...request, dueAt };
  }
  return request;
}

function parseInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (typeof value !== 'string' || Number.isNaN(ms)) throw new EngineRejection('InvalidRequest', `${field} "${value}" is not an ISO 8601 date-time`);
  return ms;
}

function view(engine: TrajectoryEngine, input: TrajectoryInput, runs: number): TrajectoryView {
  const s = engine.state;
  const phase = engine.phase;
  const entered = [...s.phaseHistory].reverse().find((e) => e.phase === s.phase && e.leftAt === undefined);
  const deadline = engine.nextDeadline();
  return {
    caseRef: input.caseRef,
    municipality: input.municipality,
    definition: { id: input.definition.id, version: input.definition.version, name: input.definition.name },
    status: s.status,
    phase: phase && entered ? { id: phase.id, name: phase.name, since: iso(entered.enteredAt) } : null,
    startedAt: iso(s.startedAt),
    ...(input.startedBy !== undefined ? { startedBy: input.startedBy } : {}),
    ...(s.closedAt !== undefined ? { closedAt: iso(s.closedAt) } : {}),
    ...(s.closeReason !== undefined ? { closeReason: s.closeReason } : {}),
    ...(s.closedBy !== undefined ? { closedBy: s.closedBy } : {}),
    openSteps: s.openSteps.map(({ ladder, paused, reschedules, ...o }) => ({
      ...o,
      openedAt: iso(o.openedAt),
      dueAt: iso(o.dueAt),
      ...(ladder?.nextAt !== undefined ? { nextEscalation: { level: ladder.level, at: iso(ladder.nextAt) } } : {}),
      ...(paused ? { paused: { since: iso(paused.at), reason: paused.reason, by: paused.by } } : {}),
      ...(reschedules ? { reschedules: reschedulesView(reschedules) } : {}),
    })),
    completedSteps: s.closedSteps.filter((c) => c.outcome === 'completed').map(closedStepView),
    cancelledSteps: s.closedSteps.filter((c) => c.outcome === 'cancelled').length,
    familyPlan: s.data.gezinsplan ?? null,
    data: s.data,
    phaseHistory: s.phaseHistory.map(({ enteredAt, leftAt, ...rest }) => ({
      ...rest,
      enteredAt: iso(enteredAt),
      ...(leftAt !== undefined ? { leftAt: iso(leftAt) } : {}),
    })),
    events: s.events.map((e) => ({ ...e, at: iso(e.at) })),
    lastEventAt: Object.fromEntries(Object.entries(s.lastEventAt).map(([k, v]) => [k, iso(v)])),
    incidents: s.incidents.map((i) => ({ ...i, at: iso(i.at) })),
    ...(deadline !== undefined ? { nextDeadline: iso(deadline) } : {}),
    escalations: s.escalations.map(({ dueAt, raisedAt, acknowledgedAt, resolvedAt, decisions, ...e }) => ({
      ...e,
      dueAt: iso(dueAt),
      raisedAt: iso(raisedAt),
      ...(acknowledgedAt !== undefined ? { acknowledgedAt: iso(acknowledgedAt) } : {}),
      ...(resolvedAt !== undefined ? { resolvedAt: iso(resolvedAt) } : {}),
      decisions: decisions.map((d) => ({ ...d, decidedAt: iso(d.decidedAt), ...(d.type === 'new-deadline' ? { dueAt: iso(d.dueAt) } : {}) })),
    })),
    ...(s.paused ? { paused: { since: iso(s.paused.at), reason: s.paused.reason, by: s.paused.by } } : {}),
    ...(s.contact ? { contactDueAt: iso(s.contact.dueAt) } : {}),
    ...(s.reopenings?.length ? { reopenings: s.reopenings.map((r) => ({ ...r, at: iso(r.at), closedAt: iso(r.closedAt) })) } : {}),
    runs,
  };
}

/** Turns an engine rejection into the business failure Temporal reports to the update's caller. */
function rejecting<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EngineRejection) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

export async function trajectoryWorkflow(input: TrajectoryInput): Promise<TrajectoryResult> {
  const now = () => Date.now();
  // Behaviour changed after 1.0.0 is asked for with `revision(id)` (workflows/revisions.ts), never with `patched()`.
  const engine = input.state ? new TrajectoryEngine(input.definition, input.state) : TrajectoryEngine.start(input.definition, input.data ?? {}, now());
  const runs = input.runs ?? 0;
  let dirty = false;
  // A re-opening (a new run of a closed trajectory) happens once, before anything else. The client checked it with
  // the same engine; should it still be refused, the run records an incident and ends closed, ready for another try.
  if (input.state && input.reopen) {
    const { phase, reason, by } = input.reopen;
    try {
      engine.reopen(phase, reason, by, now());
    } catch (err) {
      if (!(err instanceof EngineRejection)) throw err;
      engine.state.incidents.push({ at: now(), node: 'reopen', message: `re-opening refused: ${err.message}` });
    }
  }

  setHandler(getStateQuery, () => view(engine, input, runs));
  const snapshot = (): TrajectorySnapshot => {
    const { state: _state, runs: _runs, reopen: _reopen, ...rest } = input;
    return { input: rest, state: engine.state, runs };
  };
  setHandler(getSnapshotQuery, snapshot);

  setHandler(
    completeStepUpdate,
    ({ stepId, completedBy, output }) => {
      const closed = engine.completeStep(stepId, completedBy, output, now());
      dirty = true;
      return closed;
    },
    {
      validator: ({ stepId, completedBy, output }) =>
        rejecting(() => {
          if (typeof stepId !== 'string' || typeof completedBy !== 'string' || completedBy === '') {
            throw new EngineRejection('InvalidRequest', 'stepId and completedBy are required');
          }
          engine.validateCompletion(stepId, output);
        }),
    },
  );

  setHandler(reportEventSignal, ({ event, payload, reportedBy }) => {
    engine.reportEvent(event, payload, reportedBy, now());
    dirty = true;
  });

  /** Registers an update whose validator is the handler run dry (so a refusal never reaches history). */
  const command = <A>(update: Parameters<typeof setHandler>[0], run: (args: A, dryRun: boolean) => unknown) => {
    setHandler(
      update as never,
      ((args: A) => {
        run(args, false);
        dirty = true;
        return view(engine, input, runs);
      }) as never,
      { validator: ((args: A) => rejecting(() => void run(args, true))) as never },
    );
  };
  command<{ escalationId: string; acknowledgedBy: string }>(acknowledgeEscalationUpdate, (a, dry) =>
    engine.acknowledge(a.escalationId, a.acknowledgedBy, now(), dry),
  );
  command<{ escalationId: string; decision: DecisionRequest }>(decideEscalationUpdate, (a, dry) =>
    engine.decide(a.escalationId, toDecision(a.decision), now(), dry),
  );
  command<{ stepId?: string; reason: string; by: string }>(pauseUpdate, (a, dry) =>
    a.stepId ? engine.pauseStep(a.stepId, a.reason ?? '', a.by, now(), dry) : engine.pauseTrajectory(a.reason ?? '', a.by, now(), dry),
  );
  command<{ stepId?: string; by: string }>(resumeUpdate, (a, dry) =>
    a.stepId ? engine.resumeStep(a.stepId, a.by, now(), dry) : engine.resumeTrajectory(a.by, now(), dry),
  );
  command<{ phase?: string; reason: string; by: string }>(reopenUpdate, (a, dry) => engine.reopen(a.phase, a.reason, a.by, now(), dry));
  command<{ stepId: string; dueAt: string; reason: string; by: string }>(rescheduleUpdate, (a, dry) =>
    engine.reschedule(a.stepId, parseInstant(a.dueAt, 'dueAt'), a.reason ?? '', a.by, now(), dry),
  );

  setHandler(
    closeUpdate,
    ({ reason, closedBy }) => {
      engine.close(reason, closedBy ?? 'unknown', now());
      dirty = true;
      return view(engine, input, runs);
    },
    {
      validator: ({ reason }) =>
        rejecting(() => {
          if (engine.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is already closed');
          if (typeof reason !== 'string' || reason.trim() === '') throw new EngineRejection('InvalidRequest', 'a reason is required');
        }),
    },
  );

  let published: Record<string, unknown> = {};
  const publishSearchAttributes = () => {
    const deadline = engine.nextDeadline();
    const wanted: Record<string, unknown> = {
      [MUNICIPALITY.name]: input.municipality,
      [CASE_REF.name]: input.caseRef,
      [DEFINITION_ID.name]: input.definition.id,
      [DEFINITION_VERSION.name]: input.definition.version,
      [PHASE.name]: engine.state.phase ?? CLOSED_PHASE,
      [OPEN_STEPS.name]: engine.state.openSteps.length,
      [NEXT_DEADLINE.name]: deadline ?? null,
      // 0: nothing escalated; n: the highest open escalation is at ladder level n - 1.
      [ESCALATION_LEVEL.name]: engine.state.escalations.reduce((m, e) => (e.resolvedAt === undefined ? Math.max(m, e.level + 1) : m), 0),
    };
    const keys = [MUNICIPALITY, CASE_REF, DEFINITION_ID, DEFINITION_VERSION, PHASE, OPEN_STEPS, NEXT_DEADLINE, ESCALATION_LEVEL];
    const updates: SearchAttributeUpdatePair[] = [];
    for (const key of keys) {
      const value = wanted[key.name];
      if (published[key.name] === value) continue;
      if (key === NEXT_DEADLINE) updates.push({ key: NEXT_DEADLINE, value: value === null ? null : new Date(value as number) });
      else updates.push({ key, value } as SearchAttributeUpdatePair);
    }
    if (updates.length) upsertSearchAttributes(updates);
    published = wanted;
  };

  // In-flight service task activities, by token: cancelled when their token is gone (phase left, trajectory closed).
  const inFlight = new Map<number, CancellationScope>();
  const runActivities = () => {
    for (const request of engine.takeActivityRequests()) {
      const scope = new CancellationScope();
      inFlight.set(request.tokenId, scope);
      const activity = serviceActivities[request.activity]!;
      scope
        .run(() => activity(request.input))
        .then(
          (result) => engine.activityCompleted(request.tokenId, result, now()),
          (err: unknown) => {
            if (engine.awaitsActivity(request.tokenId)) {
              engine.activityFailed(request.tokenId, err instanceof Error ? err.message : String(err), now());
            }
          },
        )
        .finally(() => {
          inFlight.delete(request.tokenId);
          dirty = true;
        });
    }
    for (const [tokenId, scope] of inFlight) if (!engine.awaitsActivity(tokenId)) scope.cancel();
  };

  // Notification deliveries in flight; continue-as-new waits for them, so none is lost.
  let deliveries = 0;
  const deliver = (n: Notification) => {
    const envelope: NotificationEnvelope = {
      id: `${workflowInfo().workflowId}:${n.seq}`,
      type: n.type,
      time: iso(n.at),
      trajectoryId: workflowInfo().workflowId,
      municipality: input.municipality,
      // Professionals' addresses and internal record ids stay out of the event.
      data: Object.fromEntries(Object.entries(n.data).filter(([k]) => k !== 'recipients' && k !== 'recordId')),
    };
    deliveries++;
    const run = async () => {
      // The webhook goes out at once, while the recipients are looked up.
      const webhook = notifications.deliverWebhook(envelope);
      webhook.catch(() => undefined); // handled below (Promise.allSettled); marked handled while the lookup runs
      let to: string[] = [];
      if (n.type === 'escalation.raised') {
        const e = n.data.escalation as { role: string; organisation: string };
        to = await directoryLookups.resolveRecipients({ municipality: input.municipality, role: e.role, organisation: e.organisation });
        engine.recordRecipients(n.data.recordId as string, to, now());
        dirty = true; // a follow-up notice may be queued
      } else if (n.type === 'escalation.resolved') {
        to = (n.data.recipients as string[] | undefined) ?? [];
      }
      // Each channel settles on its own: an e-mail nobody can receive does not end the run while its webhook retries.
      const channels = await Promise.allSettled([webhook, to.length ? notifications.sendEmail({ envelope, to }) : undefined]);
      for (const channel of channels) if (channel.status === 'rejected') refused(channel.reason);
    };
    // Retried without end; only a non-retryable refusal (410 Gone, an e-mail nobody can receive) gets here: kept as an incident.
    const refused = (err: unknown) => {
      // An activity's failure says only "Activity task failed"; its cause says why (410 Gone, refused recipients).
      const reason = err instanceof ActivityFailure && err.cause ? err.cause : err;
      engine.state.incidents.push({ at: now(), node: `notification:${envelope.id}`, message: reason instanceof Error ? reason.message : String(reason) });
    };
    run()
      .catch(refused)
      .finally(() => {
        deliveries--;
        dirty = true;
      });
  };

  for (;;) {
    for (const n of engine.takeNotifications()) deliver(n);
    runActivities();
    publishSearchAttributes();
    if (engine.state.status === 'closed' && inFlight.size === 0 && deliveries === 0) break;

    const info = workflowInfo();
    const historyFull = input.maxHistoryEvents !== undefined && info.historyLength >= input.maxHistoryEvents;
    if ((info.continueAsNewSuggested || historyFull) && inFlight.size === 0 && deliveries === 0) {
      await condition(allHandlersFinished);
      const { reopen: _reopen, ...carried } = input; // the re-opening happened in this run
      await continueAsNew<typeof trajectoryWorkflow>({ ...carried, state: engine.state, runs: runs + 1 });
    }

    dirty = false;
    const next = engine.nextTimerAt();
    const fired = next === undefined ? await condition(() => dirty).then(() => true) : await condition(() => dirty, Math.max(next - now(), 1));
    if (!fired) engine.fireTimers(now());
  }
  await condition(allHandlersFinished);
  return { ...view(engine, input, runs), snapshot: snapshot() };
}
