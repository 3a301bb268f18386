/**
 * How a trajectory is seen from outside: the view the `getState` query, the updates and the run's result answer
 * with (times as ISO 8601), and the search attributes the list and the inbox filter on. Pure but for
 * {@link searchAttributesPublisher}, which upserts.
 */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { elementOf, type ClosedStep, type EngineState, type EscalationRecord, type EventRecord, type Incident, type OpenStep, type PhaseEntry, type Reopening, type TrajectoryEngine } from '../engine.js';
import {
  ALL_SEARCH_ATTRIBUTES,
  CASE_REF,
  CLOSED_PHASE,
  DEFINITION_ID,
  DEFINITION_VERSION,
  ESCALATION_LEVEL,
  HAS_INCIDENTS,
  MUNICIPALITY,
  NEXT_DEADLINE,
  OPEN_STEPS,
  PAUSED,
  PHASE,
  WAITING_FOR_EVENT,
} from '../search-attributes.js';
import type { TrajectoryInput } from './messages.js';

/** A trajectory's state as the query returns it. Times are ISO 8601 strings. */
export interface TrajectoryView {
  caseRef: string;
  municipality: string;
  /**
   * The definition it runs, with the working-day calendar of that definition (what the engine counts working days
   * with: deadlines, ladders, how long a step stood still), so whoever reads the view counts as the engine does without
   * reading the definition from the catalog. `calendar` is absent only in the result of a run that ended before the
   * view carried it.
   */
  definition: { id: string; version: number; name: string; calendar?: { goodFriday: boolean; extraClosedDays: string[] } };
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
      /** A multi-instance element's opaque ordinal, as its notifications carry it (`goals:*2@1`). */
      element?: number;
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
  /**
   * What each waiting branch of the flow waits for ({@link WaitView}), in the order of the branches. Ids and times
   * only, nothing from the family's data. Absent only in the result of a run that ended before the view carried it.
   */
  waitingFor?: WaitView[];
}

/**
 * What one branch of the flow waits for: a person (the open steps of its node, by their owners' role ids), an event
 * from the case system (since when, until when), a timer (since when, when it fires), a service task's activity, or
 * a person to look at an incident. While the whole trajectory is paused, timers and timeouts stand still (the
 * instants are those the clocks had when it paused; they move on by the time paused at resume).
 */
export interface WaitView {
  kind: 'person' | 'event' | 'timer' | 'activity' | 'incident';
  /** The definition's node the branch stands at. */
  node: string;
  /** Since when the branch waits (a person: since the earliest of its open steps opened). */
  since?: string;
  /** A person: the role ids that own the node's open steps. */
  owners?: string[];
  /** An event: its id. */
  event?: string;
  /** An event: when the wait gives up and takes the timeout path (absent: it waits without end). */
  timeoutAt?: string;
  /** A timer: when it fires. */
  at?: string;
  /** A timer: it repeats (a cycle). */
  cycle?: boolean;
}

/** What each waiting token waits for (pure; the view and the API's state show it). */
export function waitsView(s: Pick<EngineState, 'tokens' | 'openSteps'>): WaitView[] {
  const out: WaitView[] = [];
  for (const token of s.tokens) {
    const wait = token.wait;
    if (!wait || wait.kind === 'join') continue;
    switch (wait.kind) {
      case 'task': {
        const steps = s.openSteps.filter((o) => wait.stepIds.includes(o.id));
        const since = steps.reduce<number | undefined>((m, o) => (m === undefined || o.openedAt < m ? o.openedAt : m), undefined);
        out.push({ kind: 'person', node: token.node, ...(since !== undefined ? { since: iso(since) } : {}), owners: [...new Set(steps.map((o) => o.owner))] });
        break;
      }
      case 'event':
        out.push({
          kind: 'event',
          node: token.node,
          event: wait.event,
          ...(wait.since !== undefined ? { since: iso(wait.since) } : {}),
          ...(wait.timeoutAt !== undefined ? { timeoutAt: iso(wait.timeoutAt) } : {}),
        });
        break;
      case 'timer':
        out.push({ kind: 'timer', node: token.node, ...(wait.since !== undefined ? { since: iso(wait.since) } : {}), at: iso(wait.at), ...(wait.cycle ? { cycle: true } : {}) });
        break;
      case 'activity':
        out.push({ kind: 'activity', node: token.node });
        break;
      case 'incident':
        out.push({ kind: 'incident', node: token.node });
        break;
      default:
        wait satisfies never;
    }
  }
  return out;
}

/** A closed step as the query and the API show it: times as ISO 8601, without its internal ladder position. */
export type ClosedStepView = Omit<ClosedStep, 'openedAt' | 'dueAt' | 'closedAt' | 'ladder' | 'paused' | 'reschedules'> & {
  openedAt: string;
  dueAt: string;
  closedAt: string;
  reschedules?: Array<{ at: string; from: string; to: string; reason: string; by: string }>;
};

export const iso = (ms: number) => new Date(ms).toISOString();

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

/** The trajectory as the query, the updates and the run's result show it. */
export function view(engine: TrajectoryEngine, input: TrajectoryInput, runs: number): TrajectoryView {
  const s = engine.state;
  const phase = engine.phase;
  const entered = [...s.phaseHistory].reverse().find((e) => e.phase === s.phase && e.leftAt === undefined);
  const deadline = engine.nextDeadline();
  return {
    caseRef: input.caseRef,
    municipality: input.municipality,
    definition: {
      id: input.definition.id,
      version: input.definition.version,
      name: input.definition.name,
      calendar: { goodFriday: input.definition.calendar.goodFriday, extraClosedDays: [...input.definition.calendar.extraClosedDays] },
    },
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
      ...(elementOf(s, e) !== undefined ? { element: elementOf(s, e) } : {}),
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
    waitingFor: waitsView(s),
  };
}

/**
 * The search attributes of a run: each call upserts those that changed since the last (none when nothing changed),
 * in a fixed order.
 */
export function searchAttributesPublisher(engine: TrajectoryEngine, input: TrajectoryInput, revisions: Readonly<Record<string, boolean>>): () => void {
  let published: Record<string, unknown> = {};
  // Since 1.1.0 (workflows/revisions.ts): the operator's attributes, after the 1.0.0 ones in the same upsert.
  const operatorAttributes = revisions['operator-search-attributes-v1'] === true;
  return () => {
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
    const keys: Array<(typeof ALL_SEARCH_ATTRIBUTES)[number]> = [MUNICIPALITY, CASE_REF, DEFINITION_ID, DEFINITION_VERSION, PHASE, OPEN_STEPS, NEXT_DEADLINE, ESCALATION_LEVEL];
    if (operatorAttributes) {
      const events = [...new Set(engine.state.tokens.flatMap((t) => (t.wait?.kind === 'event' ? [t.wait.event] : [])))].sort();
      wanted[PAUSED.name] = engine.state.paused !== undefined;
      wanted[WAITING_FOR_EVENT.name] = events.length ? events.join('\n') : null; // compared as text; upserted as a list
      wanted[HAS_INCIDENTS.name] = engine.state.incidents.length > 0;
      keys.push(PAUSED, WAITING_FOR_EVENT, HAS_INCIDENTS);
    }
    const updates: SearchAttributeUpdatePair[] = [];
    for (const key of keys) {
      const value = wanted[key.name];
      if (published[key.name] === value) continue;
      if (key === NEXT_DEADLINE) updates.push({ key: NEXT_DEADLINE, value: value === null ? null : new Date(value as number) });
      else if (key === WAITING_FOR_EVENT) updates.push({ key: WAITING_FOR_EVENT, value: value === null ? null : (value as string).split('\n') });
      else updates.push({ key, value } as SearchAttributeUpdatePair);
    }
    if (updates.length) upsertSearchAttributes(updates);
    published = wanted;
  };
}
