/**
 * The definition interpreter as a pure state machine: tokens move through a phase's flow graph; user tasks, timers
 * and event waits park them; step completions, events and fired timers move them on. No I/O and no clock of its
 * own (every call gets `now`), so the trajectory workflow drives it deterministically, and its whole state is plain
 * JSON that survives continue-as-new.
 *
 * Service tasks are the one asynchronous element: the engine parks the token and queues an activity request; the
 * workflow runs the activity and reports back with {@link TrajectoryEngine.activityCompleted}.
 */
import { toAmsterdamLocal, workingDaysBetween, type CalendarOptions } from '../definitions/calendar.js';
import { addDuration, addDurationTimes, instantOf } from '../definitions/durations.js';
import { evalCondition, evalFeel, type FeelContext } from '../definitions/feel.js';
import type { Definition, Due, Node, Phase, PhaseTarget } from '../definitions/schema.js';

/** An open step: a user task waiting for its owner. Times are epoch milliseconds. */
export interface OpenStep {
  /** Step id: the node id, `node#k` for the k-th time a node opens, `node/key` for a multi-instance element. */
  id: string;
  nodeId: string;
  name: string;
  owner: string;
  phase: string;
  openedAt: number;
  dueAt: number;
  /** Escalation policy id, if any. */
  escalation?: string;
  /** The multi-instance element the step was made for. */
  item?: unknown;
  /** Where the step is on its escalation ladder (when it has a policy). */
  ladder?: Ladder;
  /** Set while the step's clock is paused (opschorting): on its own, or with the whole trajectory. */
  paused?: { at: number; reason: string; by: string; scope: 'step' | 'trajectory' };
  /** Deadline changes, with who and why. */
  reschedules?: Array<{ at: number; from: number; to: number; reason: string; by: string }>;
}

/** A step's (or the contact watch's) position on its escalation ladder. */
export interface Ladder {
  policy: string;
  /** The level that fires next. */
  level: number;
  /** Levels are counted from this instant (the due date, or a reassignment). */
  from: number;
  /** When the next level fires; undefined after the top of the ladder. */
  nextAt?: number;
}

/** A decision taken on an escalation, with who took it, when and why. */
export type Decision = (
  | { type: 'breakthrough'; budget?: number; mandateHolder?: string }
  | { type: 'new-deadline'; dueAt: number }
  | { type: 'reassign'; owner: string }
  | { type: 'instruction'; text: string }
) & { decidedBy: string; decidedAt: number; reason: string };

/** A decision as requested (the engine stamps `decidedAt`). */
export type DecisionInput = Decision extends infer D ? (D extends Decision ? Omit<D, 'decidedAt'> : never) : never;

/** An escalation: a durable record of a stalled step reaching one rung of its ladder. */
export interface EscalationRecord {
  /** `<step id>@<level>` (a step's), or `contact@<level>#<n>` (the contact watch's n-th stall). */
  id: string;
  kind: 'step' | 'contact';
  stepId: string | null;
  /** The definition's node id of the step (null for the contact watch). */
  nodeId: string | null;
  /** True when the step is an element of a multi-instance (its id then carries data from the trajectory). */
  instance?: boolean;
  stepName: string;
  level: number;
  /** Role that hears this level (`owner` resolved to the step's owner). */
  role: string;
  /** The role or organisation responsible for the stalled step. */
  organisation: string;
  dueAt: number;
  raisedAt: number;
  /** Who was told (filled in once the directory resolved them). */
  recipients: string[];
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  decisions: Decision[];
  resolvedAt?: number;
  resolution?: string;
}

/** Something the outside world must hear about: delivered by notification activities, each exactly once by id. */
export interface Notification {
  /** Unique and stable across retries: `<sequence>` within the trajectory; the workflow prefixes the trajectory. */
  seq: number;
  type:
    | 'escalation.raised'
    | 'escalation.resolved'
    | 'escalation.decided'
    | 'phase.changed'
    | 'trajectory.closed'
    | 'trajectory.reopened'
    | 'aftercare.started'
    | 'relapse.signalled';
  at: number;
  data: Record<string, unknown>;
}

export interface ClosedStep extends OpenStep {
  outcome: 'completed' | 'cancelled';
  closedAt: number;
  /** Who completed it (the token's subject), or why it was cancelled. */
  closedBy: string;
  output?: Record<string, unknown>;
}

export interface PhaseEntry {
  phase: string;
  enteredAt: number;
  leftAt?: number;
  /** Why the phase was entered: `start`, `flow`, `goto:<node>`, `event:<event>`, or `skipped` (entry false). */
  reason: string;
}

export interface EventRecord {
  event: string;
  at: number;
  reportedBy?: string;
  /** What the event did: `handler` (jumped phase), `delivered` (resumed waits), `recorded`. */
  effect: 'handler' | 'delivered' | 'recorded';
}

/** A closed trajectory re-opened: when, by whom, why, into which phase, and how it had been closed. */
export interface Reopening {
  at: number;
  by: string;
  reason: string;
  /** The phase the trajectory was re-opened into (after entry conditions). */
  phase: string;
  /** When and why it had been closed (and by whom, when closed by a person). */
  closedAt: number;
  closeReason: string;
  closedBy?: string;
}

export interface Incident {
  at: number;
  node: string;
  message: string;
}

type Wait =
  | { kind: 'task'; stepIds: string[] }
  | { kind: 'timer'; at: number; cycle?: boolean; since?: number }
  | { kind: 'event'; event: string; timeoutAt?: number; since?: number }
  | { kind: 'join' }
  | { kind: 'activity' }
  | { kind: 'incident' };

interface Token {
  id: number;
  node: string;
  /** The parallel fork this token belongs to, if any. */
  fork?: number;
  wait?: Wait;
}

interface Fork {
  split: string;
  join: string;
  parent?: number;
}

/** An activity the workflow must run for a service task. */
export interface ActivityRequest {
  tokenId: number;
  node: string;
  activity: string;
  input: Record<string, unknown>;
}

/**
 * Everything the engine knows; plain JSON. A state from before 1.0.0 may also carry `escalationsEnabled` and
 * `escalationRevision`: ignored, every trajectory runs the 1.0.0 baseline (see workflows/revisions.ts).
 */
export interface EngineState {
  status: 'open' | 'closed';
  startedAt: number;
  closedAt?: number;
  closeReason?: string;
  closedBy?: string;
  phase: string | null;
  data: Record<string, unknown>;
  tokens: Token[];
  nextTokenId: number;
  forks: Record<string, Fork>;
  nextForkId: number;
  openSteps: OpenStep[];
  closedSteps: ClosedStep[];
  /** How often each node has opened a step (for step ids of loops). */
  opened: Record<string, number>;
  cycles: Record<string, { startedAt: number; ticks: number }>;
  phaseHistory: PhaseEntry[];
  events: EventRecord[];
  /** When each event was last reported. */
  lastEventAt: Record<string, number>;
  /**
   * Events reported in the current phase that no wait consumed yet (the latest of each), so an event that arrives
   * just before its wait opens is not lost. Cleared when the phase is left.
   */
  unconsumedEvents: Record<string, { at: number; payload: unknown }>;
  incidents: Incident[];
  pendingActivities: ActivityRequest[];
  escalations: EscalationRecord[];
  /** Notifications not yet handed to the workflow. */
  outbox: Notification[];
  notificationSeq: number;
  /** The whole trajectory's clock, while paused. */
  paused?: { at: number; reason: string; by: string };
  /** The contact watch: when the next contact is due and its ladder. */
  contact?: { dueAt: number; ladder?: Ladder; stalls: number; since?: number };
  /** Every re-opening of the closed trajectory, oldest first (absent until the first one). */
  reopenings?: Reopening[];
}

/** A request the engine refuses (unknown step, closed trajectory…); `type` is stable for API mapping. */
export class EngineRejection extends Error {
  override name = 'EngineRejection';
  constructor(
    readonly type:
      | 'StepNotOpen'
      | 'AmbiguousStep'
      | 'TrajectoryClosed'
      | 'TrajectoryOpen'
      | 'InvalidRequest'
      /** The request is fine, the state is not for it (already paused, not paused, already acknowledged). */
      | 'StateConflict'
      | 'EscalationNotFound'
      | 'EscalationResolved',
    message: string,
  ) {
    super(message);
  }
}

/** How many event records the state keeps (older ones are dropped; `lastEventAt` keeps every event's last time). */
const MAX_EVENT_RECORDS = 200;

/** How long a step (or the contact with the family) has stood still past its due date. */
export interface Overdue {
  /** Calendar days: the Europe/Amsterdam dates after the due date's, up to and including the date looked at. */
  overdueDays: number;
  /** Of those days, the working days by the definition's calendar (weekends, holidays, Goede Vrijdag and extra closed days excluded). */
  overdueWorkingDays: number;
}

/**
 * How long something due at `dueAt` has stood still at `at` (epoch ms), with the definition's calendar: the one
 * answer the engine puts in an escalation's notification (at the instant its level fell due), the e-mail renders and
 * the escalation inbox gives (at the time of the request). Both counts are of Amsterdam dates, so a level due 5
 * working days after the due date, at the same time of day, says 5 working days whatever the clock change; 0 and 0
 * up to and on the due date itself.
 */
export function overdue(dueAt: number, at: number, calendar: CalendarOptions = {}): Overdue {
  if (!(at > dueAt)) return { overdueDays: 0, overdueWorkingDays: 0 };
  const day = (ms: number) => Date.parse(`${toAmsterdamLocal(ms).date}T00:00:00Z`) / 86_400_000;
  return { overdueDays: day(at) - day(dueAt), overdueWorkingDays: workingDaysBetween(dueAt, at, calendar) };
}

export class TrajectoryEngine {
  private readonly phases: Map<string, Phase>;
  private readonly nodes = new Map<string, { node: Node; phase: string }>();
  private readonly policies: Map<string, Definition['escalationPolicies'][string]>;
  /** The definition's roles and organisations: the only owners a step can have, the only ids notifications carry. */
  private readonly roles: Set<string>;
  /** The definition's label of each role (notifications name roles by these, never by text from the data). */
  private readonly roleNames: Map<string, string>;
  private readonly calendar: CalendarOptions;

  constructor(
    readonly definition: Definition,
    readonly state: EngineState,
  ) {
    this.phases = new Map(definition.phases.map((p) => [p.id, p]));
    this.policies = new Map(Object.entries(definition.escalationPolicies));
    this.roles = new Set(definition.roles.map((r) => r.id));
    this.roleNames = new Map(definition.roles.map((r) => [r.id, r.name]));
    for (const p of definition.phases) for (const n of p.nodes) this.nodes.set(n.id, { node: n, phase: p.id });
    this.calendar = { goodFriday: definition.calendar.goodFriday, extraClosedDays: definition.calendar.extraClosedDays };
  }

  /** A new trajectory in its first phase (or a later one, when entry conditions skip the first). */
  static start(definition: Definition, data: Record<string, unknown>, now: number): TrajectoryEngine {
    const engine = new TrajectoryEngine(definition, {
      status: 'open',
      startedAt: now,
      phase: null,
      data: { ...definition.variables, ...data },
      tokens: [],
      nextTokenId: 1,
      forks: {},
      nextForkId: 1,
      openSteps: [],
      closedSteps: [],
      opened: {},
      cycles: {},
      phaseHistory: [],
      events: [],
      lastEventAt: {},
      unconsumedEvents: {},
      incidents: [],
      pendingActivities: [],
      escalations: [],
      outbox: [],
      notificationSeq: 0,
    });
    engine.enterPhase(definition.phases[0]!.id, now, 'start');
    engine.advance(now);
    return engine;
  }

  // ---- reading --------------------------------------------------------------------------------------------------

  get phase(): Phase | undefined {
    return this.state.phase ? this.phases.get(this.state.phase) : undefined;
  }

  /** The earliest instant a timer (or event timeout) of a waiting token is due. */
  nextTimerAt(): number | undefined {
    if (this.state.paused) return undefined; // opschorting: every clock of the trajectory stands still
    let next: number | undefined;
    const consider = (at: number | undefined) => {
      if (at !== undefined && (next === undefined || at < next)) next = at;
    };
    for (const t of this.state.tokens) consider(t.wait?.kind === 'timer' ? t.wait.at : t.wait?.kind === 'event' ? t.wait.timeoutAt : undefined);
    for (const step of this.state.openSteps) if (!step.paused) consider(step.ladder?.nextAt);
    if (this.contactWatchActive()) consider(this.state.contact?.ladder?.nextAt);
    return next;
  }

  /** Earliest due date among open steps. */
  nextDeadline(): number | undefined {
    return this.state.openSteps.reduce<number | undefined>((m, s) => (m === undefined || s.dueAt < m ? s.dueAt : m), undefined);
  }

  /** True while the token is still waiting for its service task's activity (false once its phase was left). */
  awaitsActivity(tokenId: number): boolean {
    return this.state.tokens.some((t) => t.id === tokenId && t.wait?.kind === 'activity');
  }

  /** Activity requests queued since the last call. */
  takeActivityRequests(): ActivityRequest[] {
    const requests = this.state.pendingActivities;
    this.state.pendingActivities = [];
    return requests;
  }

  // ---- commands -------------------------------------------------------------------------------------------------

  /**
   * The open step with exactly this id. There is no fallback from a node id to a later instance: a retried request
   * for a step that was just completed must not close the next instance (`evaluation#2`) by accident.
   */
  resolveStep(stepId: string): OpenStep {
    if (this.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
    const step = this.state.openSteps.find((s) => s.id === stepId);
    if (step) return step;
    const instances = this.state.openSteps.filter((s) => s.nodeId === stepId.replace(/[/#].*$/, '')).map((s) => s.id);
    const hint = instances.length ? `; open instances of "${stepId.replace(/[/#].*$/, '')}": ${instances.join(', ')}` : '';
    const done = this.state.closedSteps.some((s) => s.id === stepId);
    throw new EngineRejection('StepNotOpen', `step "${stepId}" is ${done ? 'already closed' : 'not open'}${hint}`);
  }

  /** Checks a step completion without changing anything (the update validator). */
  validateCompletion(stepId: string, output: unknown): void {
    this.resolveStep(stepId);
    if (output !== undefined && (typeof output !== 'object' || output === null || Array.isArray(output))) {
      throw new EngineRejection('InvalidRequest', 'output must be an object');
    }
  }

  completeStep(stepId: string, completedBy: string, output: Record<string, unknown> | undefined, now: number): ClosedStep {
    this.validateCompletion(stepId, output);
    const step = this.resolveStep(stepId);
    const closed = this.closeStep(step, 'completed', completedBy, now, output);
    if (output) for (const [key, value] of Object.entries(output)) setOwn(this.state.data, key, value);
    for (const token of this.state.tokens) {
      if (token.wait?.kind !== 'task' || !token.wait.stepIds.includes(step.id)) continue;
      token.wait.stepIds = token.wait.stepIds.filter((id) => id !== step.id);
      if (token.wait.stepIds.length === 0) this.moveOn(token, this.nextOf(token.node));
    }
    this.advance(now);
    return closed;
  }

  /** A case-system event: a matching event handler jumps phase; otherwise it resumes the tokens waiting for it. */
  reportEvent(event: string, payload: unknown, reportedBy: string | undefined, now: number): EventRecord['effect'] {
    setOwn(this.state.lastEventAt, event, now);
    this.clock = now;
    let effect: EventRecord['effect'] = 'recorded';
    if (this.state.status === 'open') {
      if (this.definition.contactWatch?.event === event && this.state.contact) this.resetContact(now, 'contact-recorded');
      const handler = this.handlerFor(event, payload);
      if (handler) {
        if (handler.relapse) this.notify('relapse.signalled', now, { event, from: this.state.phase, to: handler.target.phase });
        this.jumpTo(handler.target, now, `event:${event}`);
        effect = 'handler';
      } else {
        for (const token of this.state.tokens) {
          if (token.wait?.kind !== 'event' || token.wait.event !== event) continue;
          this.deliver(token, payload);
          effect = 'delivered';
        }
        if (effect === 'recorded') setOwn(this.state.unconsumedEvents, event, { at: now, payload: payload ?? null });
      }
      this.advance(now);
    }
    this.state.events.push({ event, at: now, ...(reportedBy ? { reportedBy } : {}), effect });
    if (this.state.events.length > MAX_EVENT_RECORDS) this.state.events.splice(0, this.state.events.length - MAX_EVENT_RECORDS);
    return effect;
  }

  private deliver(token: Token, payload: unknown): void {
    const node = this.node(token.node);
    if (node.type === 'event' && node.storeAs) setOwn(this.state.data, node.storeAs, payload ?? null);
    this.moveOn(token, this.nextOf(token.node));
  }

  /** Moves on every token whose timer (or event timeout) is due at `now`, and climbs every due escalation ladder. */
  fireTimers(now: number): void {
    if (this.state.paused) return;
    this.clock = now;
    for (const step of [...this.state.openSteps]) {
      while (!step.paused && step.ladder?.nextAt !== undefined && step.ladder.nextAt <= now) this.raise(step, now);
    }
    const contact = this.state.contact;
    while (this.contactWatchActive() && contact?.ladder?.nextAt !== undefined && contact.ladder.nextAt <= now) this.raiseContact(now);
    for (const token of this.state.tokens) {
      const wait = token.wait;
      if (wait?.kind === 'timer' && wait.at <= now) {
        const node = this.node(token.node);
        if (wait.cycle) own(this.state.cycles, token.node)!.ticks++;
        this.moveOn(token, node.type === 'timer' ? node.next : undefined);
      } else if (wait?.kind === 'event' && wait.timeoutAt !== undefined && wait.timeoutAt <= now) {
        const node = this.node(token.node);
        this.moveOn(token, node.type === 'event' ? node.timeout?.next : undefined);
      }
    }
    this.advance(now);
  }

  activityCompleted(tokenId: number, result: unknown, now: number): void {
    const token = this.state.tokens.find((t) => t.id === tokenId);
    if (!token || token.wait?.kind !== 'activity') return; // the phase was left meanwhile
    const node = this.node(token.node);
    if (node.type === 'serviceTask' && node.resultVariable) setOwn(this.state.data, node.resultVariable, result ?? null);
    this.moveOn(token, this.nextOf(token.node));
    this.advance(now);
  }

  activityFailed(tokenId: number, message: string, now: number): void {
    const token = this.state.tokens.find((t) => t.id === tokenId);
    if (!token || token.wait?.kind !== 'activity') return;
    this.incident(token, `activity failed: ${message}`, now);
  }

  /** Closes the trajectory: open steps are cancelled, the current phase is left. */
  close(reason: string, closedBy: string, now: number): void {
    if (this.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is already closed');
    this.leavePhase(now, `closed: ${reason}`);
    this.state.closedBy = closedBy;
    this.closeTrajectory(now, reason);
  }

  /**
   * Re-opens a closed trajectory (closed by mistake, or the family returns after aftercare), keeping its history:
   * steps, escalations, events and phase history stay; the closure is kept in {@link EngineState.reopenings}. The
   * trajectory enters `phase` (default: the phase it was in when it closed, else the definition's first phase) as it
   * enters any phase: entry conditions apply, the contact watch restarts in a watched phase, and a whole-trajectory
   * pause (opschorting) still standing at the closure ends. Returns the phase entered.
   */
  reopen(phase: string | undefined, reason: string, by: string, now: number, dryRun = false): string {
    const s = this.state;
    if (s.status === 'open') throw new EngineRejection('TrajectoryOpen', 'the trajectory is open');
    if (typeof reason !== 'string' || !reason.trim()) throw new EngineRejection('InvalidRequest', 'a re-opening needs a reason');
    if (typeof by !== 'string' || !by.trim()) throw new EngineRejection('InvalidRequest', 'a re-opening needs who re-opens it (by)');
    const phases = this.definition.phases.map((p) => p.id);
    if (phase !== undefined && !this.phases.has(phase)) {
      throw new EngineRejection('InvalidRequest', `unknown phase "${phase}"; phases: ${phases.join(', ')}`);
    }
    const last = [...s.phaseHistory].reverse().find((e) => e.reason !== 'skipped' && this.phases.has(e.phase));
    const target = phase ?? last?.phase ?? phases[0]!;
    this.clock = now;
    const entered = this.enterablePhase(target);
    if (entered === undefined) {
      throw new EngineRejection('InvalidRequest', `phase "${target}" and every phase after it are skipped by their entry conditions`);
    }
    if (dryRun) return entered;
    (s.reopenings ??= []).push({
      at: now,
      by,
      reason,
      phase: entered,
      closedAt: s.closedAt ?? now,
      closeReason: s.closeReason ?? '',
      ...(s.closedBy !== undefined ? { closedBy: s.closedBy } : {}),
    });
    s.status = 'open';
    s.phase = null;
    delete s.closedAt;
    delete s.closeReason;
    delete s.closedBy;
    // The closure ended any opschorting (it could not be resumed while closed).
    delete s.paused;
    // No free text in events: the reason stays in the state.
    this.notify('trajectory.reopened', now, { phase: entered });
    // Phase null: the contact watch was not active, so entering a watched phase starts it afresh.
    this.enterPhase(target, now, 'reopened');
    this.advance(now);
    return entered;
  }

  /** The phase {@link enterPhase} would enter for `phaseId` (skipping phases whose entry condition does not hold). */
  private enterablePhase(phaseId: string): string | undefined {
    const index = this.definition.phases.findIndex((p) => p.id === phaseId);
    if (index < 0) return undefined;
    return this.definition.phases.slice(index).find((p) => !p.entry || evalCondition(p.entry, this.context()))?.id;
  }

  // ---- escalation -----------------------------------------------------------------------------------------------

  /** The role id an owner names (its own spelling, or trimmed and in lower case), if the definition has that role. */
  private roleId(owner: unknown): string | undefined {
    if (typeof owner !== 'string') return undefined;
    if (this.roles.has(owner)) return owner;
    const normalised = owner.trim().toLowerCase();
    return this.roles.has(normalised) ? normalised : undefined;
  }

  /**
   * Who owns a step whose owner is not a role of the definition: the regisseur (one family, one plan, one regisseur),
   * or the definition's first role when it has no regisseur.
   */
  private get fallbackOwner(): string {
    return this.roles.has('regisseur') ? 'regisseur' : this.definition.roles[0]!.id;
  }

  /** Notifications queued since the last call. */
  takeNotifications(): Notification[] {
    const out = this.state.outbox;
    this.state.outbox = [];
    return out;
  }

  /** Records who an escalation reached (from the directory). */
  recordRecipients(escalationId: string, recipients: string[], now: number): void {
    const record = this.state.escalations.find((e) => e.id === escalationId);
    if (!record) return;
    record.recipients = recipients;
    // Resolved before the directory answered: those just told still hear that it is resolved.
    if (record.resolvedAt !== undefined && recipients.length) {
      this.notify('escalation.resolved', now, { escalations: [this.describe(record)], resolution: record.resolution, recipients });
    }
  }

  private escalationRecord(id: string, open = true): EscalationRecord {
    if (this.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
    const record = this.state.escalations.find((e) => e.id === id);
    if (!record) throw new EngineRejection('EscalationNotFound', `escalation "${id}" does not exist`);
    if (open && record.resolvedAt !== undefined) throw new EngineRejection('EscalationResolved', `escalation "${id}" is already resolved (${record.resolution})`);
    return record;
  }

  acknowledge(escalationId: string, by: string, now: number, dryRun = false): EscalationRecord {
    const record = this.escalationRecord(escalationId);
    if (record.acknowledgedAt !== undefined) throw new EngineRejection('StateConflict', `escalation "${escalationId}" was already acknowledged by ${record.acknowledgedBy}`);
    if (dryRun) return record;
    record.acknowledgedBy = by;
    record.acknowledgedAt = now;
    return record;
  }

  /**
   * Records a decision on an open escalation. A new deadline resolves the step's open escalations and restarts its
   * ladder from the new due date; a reassignment resolves them and gives the new owner a fresh ladder from now;
   * a breakthrough or an instruction is recorded while the ladder keeps running until the step moves.
   */
  decide(escalationId: string, decision: DecisionInput, now: number, dryRun = false): EscalationRecord {
    const record = this.escalationRecord(escalationId);
    const step = record.stepId ? this.state.openSteps.find((s) => s.id === record.stepId) : undefined;
    if (!decision.reason?.trim()) throw new EngineRejection('InvalidRequest', 'a decision needs a reason');
    if (decision.type === 'new-deadline' && !(decision.dueAt > now)) throw new EngineRejection('InvalidRequest', 'the new deadline must lie in the future');
    if (decision.type === 'reassign' && (record.kind !== 'step' || !decision.owner?.trim())) {
      throw new EngineRejection('InvalidRequest', 'only a step can be reassigned, to a named owner');
    }
    // The update's validator (the dry run) refuses an owner that is not a role of the definition, without echoing
    // it. Not checked when applying: reassignments accepted before this check must replay as they ran.
    if (dryRun && decision.type === 'reassign' && !this.roles.has(decision.owner)) {
      const roles = [...this.roles];
      const listed = roles.length > 20 ? `${roles.slice(0, 20).join(', ')} and ${roles.length - 20} more` : roles.join(', ');
      throw new EngineRejection('InvalidRequest', `a step can be reassigned to a role of the definition only: ${listed}`);
    }
    if (dryRun) return record;
    record.decisions.push({ ...decision, decidedAt: now } as Decision);
    // Only the kind of decision goes out; who decided and why (free text) stay in the state, the audit trail.
    this.notify('escalation.decided', now, { escalation: this.describe(record), decision: { type: decision.type, decidedAt: new Date(now).toISOString() } });
    if (decision.type === 'new-deadline') {
      if (step) this.setDeadline(step, decision.dueAt, `decision on ${record.id}: ${decision.reason}`, decision.decidedBy, now);
      else if (record.kind === 'contact' && this.state.contact) this.restartContact(decision.dueAt, 'new-deadline', now);
    } else if (decision.type === 'reassign' && step) {
      step.owner = decision.owner;
      this.resolveEscalations((e) => e.stepId === step.id, 'reassigned', now);
      if (step.ladder) step.ladder = this.ladder(step.ladder.policy, now);
      if (step.paused) step.paused.at = now;
    }
    return record;
  }

  /** Pauses one step's clock (opschorting) with a reason: its deadline and ladder stand still until resumed. */
  pauseStep(stepId: string, reason: string, by: string, now: number, dryRun = false): OpenStep {
    const step = this.resolveStep(stepId);
    if (step.paused) throw new EngineRejection('StateConflict', `step "${stepId}" is already paused since ${new Date(step.paused.at).toISOString()}`);
    if (!reason.trim()) throw new EngineRejection('InvalidRequest', 'a pause needs a reason');
    if (!dryRun) step.paused = { at: now, reason, by, scope: 'step' };
    return step;
  }

  /** Resumes a paused step: its deadline and ladder move on by the time it was paused (the time it had left). */
  resumeStep(stepId: string, by: string, now: number, dryRun = false): OpenStep {
    const step = this.resolveStep(stepId);
    if (!step.paused) throw new EngineRejection('StateConflict', `step "${stepId}" is not paused`);
    if (this.state.paused) throw new EngineRejection('StateConflict', 'the whole trajectory is paused; resume the trajectory');
    if (!dryRun) this.shiftStep(step, now - step.paused.at);
    return step;
  }

  /** Pauses every clock of the trajectory: step deadlines, ladders, flow timers and the contact watch. */
  pauseTrajectory(reason: string, by: string, now: number, dryRun = false): void {
    if (this.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
    if (this.state.paused) throw new EngineRejection('StateConflict', 'the trajectory is already paused');
    if (!reason.trim()) throw new EngineRejection('InvalidRequest', 'a pause needs a reason');
    if (dryRun) return;
    this.state.paused = { at: now, reason, by };
    for (const step of this.state.openSteps) if (!step.paused) step.paused = { at: now, reason, by, scope: 'trajectory' };
  }

  resumeTrajectory(_by: string, now: number, dryRun = false): void {
    if (this.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
    const paused = this.state.paused;
    if (!paused) throw new EngineRejection('StateConflict', 'the trajectory is not paused');
    if (dryRun) return;
    // Each clock stood still from the pause, or from when it was set if that was during the pause.
    const stood = (since: number | undefined) => now - Math.max(paused.at, since ?? paused.at);
    delete this.state.paused;
    // Steps paused by the trajectory's pause (not those paused on their own) resume with the time they had left.
    for (const step of this.state.openSteps) {
      if (step.paused?.scope === 'trajectory') this.shiftStep(step, now - step.paused.at);
    }
    for (const t of this.state.tokens) {
      if (t.wait?.kind === 'timer') t.wait.at += stood(t.wait.since);
      if (t.wait?.kind === 'event' && t.wait.timeoutAt !== undefined) t.wait.timeoutAt += stood(t.wait.since);
    }
    // Cycles keep their rhythm after the pause.
    for (const cycle of Object.values(this.state.cycles)) cycle.startedAt += stood(cycle.startedAt);
    const contact = this.state.contact;
    if (contact) {
      const shift = stood(contact.since);
      contact.dueAt += shift;
      if (contact.ladder) {
        contact.ladder.from += shift;
        if (contact.ladder.nextAt !== undefined) contact.ladder.nextAt += shift;
      }
    }
  }

  /** Moves a step's deadline with a reason; its open escalations are resolved and its ladder restarts from it. */
  reschedule(stepId: string, dueAt: number, reason: string, by: string, now: number, dryRun = false): OpenStep {
    const step = this.resolveStep(stepId);
    if (!reason.trim()) throw new EngineRejection('InvalidRequest', 'rescheduling needs a reason');
    if (!(dueAt > now)) throw new EngineRejection('InvalidRequest', 'the new deadline must lie in the future');
    if (!dryRun) this.setDeadline(step, dueAt, reason, by, now);
    return step;
  }

  private setDeadline(step: OpenStep, dueAt: number, reason: string, by: string, now: number): void {
    (step.reschedules ??= []).push({ at: now, from: step.dueAt, to: dueAt, reason, by });
    step.dueAt = dueAt;
    // A date set during a pause is meant as given: the pause counts from now on.
    if (step.paused) step.paused.at = now;
    this.resolveEscalations((e) => e.stepId === step.id, 'new-deadline', now);
    if (step.ladder) step.ladder = this.ladder(step.ladder.policy, dueAt);
  }

  private shiftStep(step: OpenStep, elapsed: number): void {
    delete step.paused;
    step.dueAt += elapsed;
    if (step.ladder) {
      step.ladder.from += elapsed;
      if (step.ladder.nextAt !== undefined) step.ladder.nextAt += elapsed;
    }
  }

  private ladder(policyId: string, from: number): Ladder | undefined {
    const policy = this.policies.get(policyId);
    if (!policy) return undefined;
    return { policy: policyId, level: 0, from, nextAt: addDuration(from, policy.levels[0]!.after, this.calendar) };
  }

  /** The ladder's next level fires for a step: a record, a notification, and the next level's time. */
  private raise(step: OpenStep, now: number): void {
    const ladder = step.ladder!;
    const policy = this.policies.get(ladder.policy)!;
    const level = policy.levels[ladder.level]!;
    // A step from a run before owners were checked may carry an owner that is no role: it escalates as the fallback's.
    const owner = this.roleId(step.owner) ?? this.fallbackOwner;
    const record: EscalationRecord = {
      id: `${step.id}@${ladder.level}`,
      kind: 'step',
      stepId: step.id,
      nodeId: step.nodeId,
      ...(step.item !== undefined ? { instance: true } : {}),
      // The definition's own label, never a name made from the trajectory's data (a plan goal may be sensitive).
      stepName: this.nodes.get(step.nodeId)?.node.name ?? step.nodeId,
      level: ladder.level,
      role: level.role === 'owner' ? owner : level.role,
      organisation: owner,
      dueAt: step.dueAt,
      raisedAt: now,
      recipients: [],
      decisions: [],
    };
    // A restarted ladder raises the same level again: keep ids unique.
    if (this.state.escalations.some((e) => e.id === record.id)) record.id = `${record.id}#${this.state.escalations.filter((e) => e.id.startsWith(record.id)).length + 1}`;
    this.state.escalations.push(record);
    this.notify('escalation.raised', now, { escalation: this.describeRaised(record, ladder, level.role), recordId: record.id, owner, phase: step.phase });
    this.climb(ladder, policy);
  }

  private contactWatchActive(): boolean {
    const watch = this.definition.contactWatch;
    if (!watch || this.state.status !== 'open' || !this.state.phase) return false;
    return !watch.inPhases || watch.inPhases.includes(this.state.phase);
  }

  private resetContact(now: number, why: string): void {
    const watch = this.definition.contactWatch;
    if (!watch) return;
    this.restartContact(addDuration(now, watch.after, this.calendar), why, now);
  }

  private restartContact(dueAt: number, why: string, now: number): void {
    const watch = this.definition.contactWatch!;
    this.resolveEscalations((e) => e.kind === 'contact', why, now);
    const policy = watch.escalation ?? this.definition.defaultEscalationPolicy;
    const ladder = policy ? this.ladder(policy, dueAt) : undefined;
    this.state.contact = { dueAt, ...(ladder ? { ladder } : {}), stalls: this.state.contact?.stalls ?? 0, since: now };
  }

  private raiseContact(now: number): void {
    const contact = this.state.contact!;
    const watch = this.definition.contactWatch!;
    const ladder = contact.ladder!;
    const policy = this.policies.get(ladder.policy)!;
    const level = policy.levels[ladder.level]!;
    if (ladder.level === 0) contact.stalls++;
    const record: EscalationRecord = {
      id: `contact@${ladder.level}#${contact.stalls}`,
      kind: 'contact',
      stepId: null,
      nodeId: null,
      stepName: `Geen contact met het gezin (${watch.event})`,
      level: ladder.level,
      role: level.role === 'owner' ? watch.owner : level.role,
      organisation: watch.owner,
      dueAt: contact.dueAt,
      raisedAt: now,
      recipients: [],
      decisions: [],
    };
    this.state.escalations.push(record);
    this.notify('escalation.raised', now, { escalation: this.describeRaised(record, ladder, level.role), recordId: record.id, owner: watch.owner, phase: this.state.phase });
    this.climb(ladder, policy);
  }

  /** The ladder moves to its next level, due `after` that level's duration from where it counts (none past the top). */
  private climb(ladder: Ladder, policy: Definition['escalationPolicies'][string]): void {
    ladder.level++;
    const next = policy.levels[ladder.level];
    ladder.nextAt = next ? addDuration(ladder.from, next.after, this.calendar) : undefined;
  }

  /**
   * An escalation as its `escalation.raised` notification carries it: as {@link describe}, with the instant its level
   * fell due (`levelDueAt`; `dueAt` stays the step's due date), how long the step had stood still then (with the
   * definition's calendar, see {@link overdue}), and whether the level is the policy's `owner` level (a reminder to
   * the step's owner rather than an escalation to someone above).
   */
  private describeRaised(record: EscalationRecord, ladder: Ladder, levelRole: string): Record<string, unknown> {
    const levelDueAt = ladder.nextAt ?? record.raisedAt;
    return {
      ...this.describe(record),
      levelDueAt: new Date(levelDueAt).toISOString(),
      ...overdue(record.dueAt, levelDueAt, this.calendar),
      reminder: levelRole === 'owner',
    };
  }

  /** Resolves matching open escalations and tells everyone who was told. */
  private resolveEscalations(match: (e: EscalationRecord) => boolean, resolution: string, now: number): void {
    const open = this.state.escalations.filter((e) => e.resolvedAt === undefined && match(e));
    if (open.length === 0) return;
    for (const e of open) {
      e.resolvedAt = now;
      e.resolution = resolution;
    }
    this.notify('escalation.resolved', now, {
      escalations: open.map((e) => this.describe(e)),
      resolution,
      recipients: [...new Set(open.flatMap((e) => e.recipients))],
    });
  }

  /** An escalation as notifications carry it: ids, roles and the definition's labels, nothing from the data. */
  private describe(e: EscalationRecord): Record<string, unknown> {
    return {
      // A multi-instance element's id carries a key from the family plan: send the node and the level instead.
      id: e.instance ? `${e.nodeId}/*@${e.level}` : e.id,
      kind: e.kind,
      stepId: e.instance ? null : e.stepId,
      node: e.nodeId,
      stepName: e.stepName,
      level: e.level,
      // Records from before owners were checked may hold other text: notifications carry role ids only, and the
      // definition's labels of those roles.
      ...this.roleAndName('role', e.role),
      ...this.roleAndName('organisation', e.organisation),
      dueAt: new Date(e.dueAt).toISOString(),
      raisedAt: new Date(e.raisedAt).toISOString(),
    };
  }

  /** `{ role, roleName }` (or `organisation`…): a role id of the definition and its label, never other text. */
  private roleAndName(field: 'role' | 'organisation', value: string): Record<string, string> {
    const id = this.roleId(value) ?? this.fallbackOwner;
    return { [field]: id, [`${field}Name`]: this.roleNames.get(id) ?? id };
  }

  private notify(type: Notification['type'], now: number, data: Record<string, unknown>): void {
    const seq = ++this.state.notificationSeq;
    this.state.outbox.push({ seq, type, at: now, data });
  }

  // ---- the interpreter ------------------------------------------------------------------------------------------

  private node(id: string): Node {
    const entry = this.nodes.get(id);
    if (!entry) throw new Error(`unknown node "${id}"`); // validated definitions never get here
    return entry.node;
  }

  private nextOf(id: string): string | undefined {
    const node = this.node(id);
    return 'next' in node ? node.next : undefined;
  }

  /** Workflow time of the current operation: FEEL sees it as `nu` (date-time) and `vandaag` (Amsterdam date). */
  private clock = 0;

  private context(extra: FeelContext = {}): FeelContext {
    return { ...this.state.data, nu: new Date(this.clock).toISOString(), vandaag: toAmsterdamLocal(this.clock).date, ...extra };
  }

  private moveOn(token: Token, next: string | undefined): void {
    delete token.wait;
    if (next === undefined) this.state.tokens = this.state.tokens.filter((t) => t !== token);
    else token.node = next;
  }

  private incident(token: Token, message: string, now: number): void {
    token.wait = { kind: 'incident' };
    this.state.incidents.push({ at: now, node: token.node, message });
  }

  private due(due: Due, now: number, extra: FeelContext = {}): number | undefined {
    if (typeof due === 'object' && 'date' in due) return instantOf(evalFeel(due.date, this.context(extra)));
    return addDuration(now, due, this.calendar);
  }

  private openStep(nodeId: string, name: string, owner: string, dueAt: number, now: number, escalation: string | undefined, key?: string, item?: unknown): OpenStep {
    const phase = this.state.phase!;
    const base = key === undefined ? nodeId : `${nodeId}/${key}`;
    const count = (own(this.state.opened, base) ?? 0) + 1;
    setOwn(this.state.opened, base, count);
    const step: OpenStep = {
      id: count === 1 ? base : `${base}#${count}`,
      nodeId,
      name,
      owner,
      phase,
      openedAt: now,
      dueAt,
      ...(escalation ? { escalation } : {}),
      ...(item !== undefined ? { item } : {}),
    };
    if (escalation) step.ladder = this.ladder(escalation, dueAt);
    if (this.state.paused) step.paused = { ...this.state.paused, at: now, scope: 'trajectory' };
    this.state.openSteps.push(step);
    return step;
  }

  private closeStep(step: OpenStep, outcome: ClosedStep['outcome'], closedBy: string, now: number, output?: Record<string, unknown>): ClosedStep {
    this.state.openSteps = this.state.openSteps.filter((s) => s !== step);
    this.resolveEscalations((e) => e.stepId === step.id, outcome === 'completed' ? 'step-completed' : 'step-cancelled', now);
    const closed: ClosedStep = { ...step, outcome, closedAt: now, closedBy, ...(output ? { output } : {}) };
    this.state.closedSteps.push(closed);
    return closed;
  }

  /**
   * Runs every runnable token until all wait. When the current phase's flow has ended, the trajectory moves to the
   * next phase if the exit condition holds, and otherwise runs the phase's flow again (the work is redone, e.g. a new
   * safety assessment), so a phase never silently stalls. A flow that loops without ever waiting becomes an
   * incident instead of a hang.
   */
  advance(now: number): void {
    this.clock = now;
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.state.status === 'closed') return;
      const token = this.state.tokens.find((t) => !t.wait);
      if (token) {
        this.step(token, now);
        continue;
      }
      const phase = this.phase;
      if (phase && this.state.tokens.length === 0) {
        if (!phase.exit || evalCondition(phase.exit, this.context())) this.nextPhase(now);
        else this.repeatPhase(phase, now);
        continue;
      }
      return;
    }
    const runaway = this.state.tokens.find((t) => !t.wait);
    if (runaway) this.incident(runaway, 'the flow loops without waiting (10 000 steps in one go)', now);
  }

  /** Executes the token's current node once. */
  private step(token: Token, now: number): void {
    this.clock = now;
    const node = this.node(token.node);
    const defaultPolicy = this.definition.defaultEscalationPolicy;
    try {
      switch (node.type) {
        case 'userTask': {
          const dueAt = this.due(node.due, now);
          if (dueAt === undefined) return this.incident(token, 'the due date does not evaluate to a date', now);
          const step = this.openStep(node.id, node.name ?? node.id, node.owner, dueAt, now, node.escalation ?? defaultPolicy);
          token.wait = { kind: 'task', stepIds: [step.id] };
          return;
        }
        case 'multiInstance': {
          const items = evalFeel(node.collection, this.context());
          if (!Array.isArray(items)) return this.incident(token, `the collection "${node.collection}" is not a list`, now);
          const stepIds: string[] = [];
          // Check every element first, so a bad one opens none of them.
          const planned: Array<{ key: string; name: string; owner: string; dueAt: number; item: unknown }> = [];
          for (const [i, item] of items.entries()) {
            const ctx = { item };
            const dueAt = this.due(node.task.due, now, ctx);
            const owner = evalFeel(node.task.owner, this.context(ctx));
            if (dueAt === undefined) return this.incident(token, `element ${i + 1}: the due date does not evaluate to a date`, now);
            if (typeof owner !== 'string' || owner.trim() === '') return this.incident(token, `element ${i + 1}: the owner is not a text`, now);
            planned.push({ key: stepKey(item, i), name: String(evalFeel(node.task.name, this.context(ctx)) ?? `${node.id} ${i + 1}`), owner, dueAt, item });
          }
          for (const [i, p] of planned.entries()) {
            // The owner comes from the trajectory's data: only a role of the definition may own the step (and reach
            // notifications). Anything else is the fallback owner's, with an incident naming the element, not the text.
            const owner = this.roleId(p.owner);
            if (owner === undefined) {
              this.state.incidents.push({
                at: now,
                node: node.id,
                message: `element ${i + 1}: the owner is not a role of the definition; the step is owned by ${this.fallbackOwner} until it is reassigned`,
              });
            }
            stepIds.push(this.openStep(node.id, p.name, owner ?? this.fallbackOwner, p.dueAt, now, node.task.escalation ?? defaultPolicy, p.key, p.item).id);
          }
          if (stepIds.length === 0) return this.moveOn(token, node.next);
          token.wait = { kind: 'task', stepIds };
          return;
        }
        case 'serviceTask': {
          const input = Object.fromEntries(Object.entries(node.input ?? {}).map(([k, expr]) => [k, evalFeel(expr, this.context())]));
          this.state.pendingActivities.push({ tokenId: token.id, node: node.id, activity: node.activity, input });
          token.wait = { kind: 'activity' };
          return;
        }
        case 'exclusiveGateway': {
          const branch = node.branches.find((b) => evalCondition(b.when, this.context()));
          const next = branch?.next ?? node.default;
          if (!next) return this.incident(token, 'no condition holds and there is no default flow', now);
          return this.moveOn(token, next);
        }
        case 'parallelSplit': {
          const forkId = this.state.nextForkId++;
          this.state.forks[forkId] = { split: node.id, join: node.join, ...(token.fork !== undefined ? { parent: token.fork } : {}) };
          const [first, ...rest] = node.branches;
          token.node = first!;
          token.fork = forkId;
          for (const branch of rest) this.state.tokens.push({ id: this.state.nextTokenId++, node: branch, fork: forkId });
          return;
        }
        case 'parallelJoin': {
          const forkId = token.fork;
          const fork = forkId !== undefined ? this.state.forks[forkId] : undefined;
          if (forkId === undefined || !fork || fork.join !== node.id) return this.incident(token, 'reached a join outside its split', now);
          token.wait = { kind: 'join' };
          // Members are all tokens inside this fork, also those still inside a nested fork.
          const members = this.state.tokens.filter((t) => this.inFork(t, forkId));
          if (members.every((t) => t.fork === forkId && t.wait?.kind === 'join' && t.node === node.id)) {
            // All branches arrived: one token continues in the enclosing fork.
            this.state.tokens = this.state.tokens.filter((t) => t.fork !== forkId || t === token);
            delete this.state.forks[forkId];
            if (fork.parent !== undefined) token.fork = fork.parent;
            else delete token.fork;
            this.moveOn(token, node.next);
          }
          return;
        }
        case 'timer': {
          if (node.cycle) {
            let cycle = own(this.state.cycles, node.id);
            if (!cycle) setOwn(this.state.cycles, node.id, (cycle = { startedAt: now, ticks: 0 }));
            if (cycle.ticks >= node.cycle.times) {
              delete this.state.cycles[node.id];
              return this.moveOn(token, node.done);
            }
            token.wait = { kind: 'timer', at: addDurationTimes(cycle.startedAt, node.cycle.every, cycle.ticks + 1, this.calendar), cycle: true, since: now };
            return;
          }
          const at = node.duration !== undefined ? addDuration(now, node.duration, this.calendar) : instantOf(evalFeel(node.date!, this.context()));
          if (at === undefined) return this.incident(token, `the timer date "${node.date}" does not evaluate to a date`, now);
          token.wait = { kind: 'timer', at, since: now };
          return;
        }
        case 'event': {
          const early = own(this.state.unconsumedEvents, node.event);
          if (early) {
            delete this.state.unconsumedEvents[node.event];
            return this.deliver(token, early.payload);
          }
          token.wait = {
            kind: 'event',
            event: node.event,
            since: now,
            ...(node.timeout ? { timeoutAt: addDuration(now, node.timeout.after, this.calendar) } : {}),
          };
          return;
        }
        case 'goto':
          return this.jumpTo({ phase: node.phase }, now, `goto:${node.id}`);
        case 'end':
          // An end inside a parallel split would leave its join waiting forever (the validator forbids it).
          if (token.fork !== undefined) return this.incident(token, 'a parallel branch reached an end before its join', now);
          return this.moveOn(token, undefined);
      }
    } catch (err) {
      this.incident(token, (err as Error).message, now);
    }
  }

  /** True when the token is inside the fork, directly or through nested forks. */
  private inFork(token: Token, forkId: number): boolean {
    for (let f = token.fork; f !== undefined; f = this.state.forks[f]?.parent) if (f === forkId) return true;
    return false;
  }

  private handlerFor(event: string, payload: unknown): { target: { phase: string }; relapse: boolean } | undefined {
    for (const handler of this.definition.eventHandlers) {
      if (handler.event !== event) continue;
      if (handler.inPhases && !handler.inPhases.includes(this.state.phase ?? '')) continue;
      if (handler.when && !evalCondition(handler.when, this.context({ event: payload ?? null }))) continue;
      const relapse = handler.relapse ?? false;
      if ('phase' in handler.goto) return { target: handler.goto, relapse };
      const chosen = handler.goto.cases.find((c) => evalCondition(c.when, this.context({ event: payload ?? null })));
      return { target: { phase: chosen?.phase ?? handler.goto.default }, relapse };
    }
    return undefined;
  }

  private jumpTo(target: PhaseTarget, now: number, reason: string): void {
    const phase = 'phase' in target ? target.phase : target.default;
    this.leavePhase(now, reason);
    this.enterPhase(phase, now, reason);
  }

  /** Cancels the phase's open steps and tokens, and closes its history entry. */
  private leavePhase(now: number, reason: string): void {
    for (const step of [...this.state.openSteps]) this.closeStep(step, 'cancelled', reason, now);
    this.state.tokens = [];
    this.state.forks = {};
    this.state.cycles = {};
    this.state.pendingActivities = [];
    this.state.unconsumedEvents = {};
    const current = this.state.phaseHistory[this.state.phaseHistory.length - 1];
    if (current && current.leftAt === undefined) current.leftAt = now;
  }

  private repeatPhase(phase: Phase, now: number): void {
    const current = this.state.phaseHistory[this.state.phaseHistory.length - 1];
    if (current && current.leftAt === undefined) current.leftAt = now;
    this.state.phaseHistory.push({ phase: phase.id, enteredAt: now, reason: 'repeat: exit condition not met' });
    this.state.tokens = [{ id: this.state.nextTokenId++, node: phase.start }];
  }

  private nextPhase(now: number): void {
    const index = this.definition.phases.findIndex((p) => p.id === this.state.phase);
    this.leavePhase(now, 'flow');
    const next = this.definition.phases[index + 1];
    if (next) this.enterPhase(next.id, now, 'flow');
    else this.closeTrajectory(now, 'all phases completed');
  }

  /** Enters a phase, skipping phases whose entry condition does not hold. */
  private enterPhase(phaseId: string, now: number, reason: string): void {
    let index = this.definition.phases.findIndex((p) => p.id === phaseId);
    while (index >= 0 && index < this.definition.phases.length) {
      const phase = this.definition.phases[index]!;
      if (!phase.entry || evalCondition(phase.entry, this.context())) {
        const watchedBefore = this.contactWatchActive();
        this.state.phase = phase.id;
        this.state.phaseHistory.push({ phase: phase.id, enteredAt: now, reason });
        this.state.tokens = [{ id: this.state.nextTokenId++, node: phase.start }];
        this.notify('phase.changed', now, { phase: phase.id, phaseName: phase.name, reason });
        if (phase.aftercare) this.notify('aftercare.started', now, { phase: phase.id });
        // The contact watch starts counting when a watched phase is entered from an unwatched one (or at start).
        if (this.contactWatchActive() && !watchedBefore) this.resetContact(now, 'watch-started');
        // Leaving the watched phases (e.g. into aftercare) ends the watch: its open escalations are resolved.
        if (!this.contactWatchActive() && watchedBefore) this.resolveEscalations((e) => e.kind === 'contact', 'watch-ended', now);
        return;
      }
      this.state.phaseHistory.push({ phase: phase.id, enteredAt: now, leftAt: now, reason: 'skipped' });
      index++;
    }
    this.closeTrajectory(now, 'all phases completed');
  }

  private closeTrajectory(now: number, reason: string): void {
    this.state.status = 'closed';
    this.state.closedAt = now;
    this.state.closeReason = reason;
    this.state.phase = null;
    this.resolveEscalations((e) => e.kind === 'contact', 'trajectory-closed', now);
    // No free text in events: the reason stays in the state.
    this.notify('trajectory.closed', now, {});
  }
}

/** A multi-instance element's key in its step id: its `id` made URL-safe, else its position (1-based). */
function stepKey(item: unknown, index: number): string {
  const id = isObject(item) && (typeof item.id === 'string' || typeof item.id === 'number') ? String(item.id) : '';
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return safe || String(index + 1);
}

/**
 * A record's own entry for a key, never one inherited from Object.prototype (`constructor`, `toString`…). The
 * engine's state is plain JSON (it crosses continue-as-new), so its records cannot be Maps; keys that come from
 * definitions or data (node, event and variable names) are read through this and written through {@link setOwn}.
 */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets a record's own entry; for `__proto__` too, which a plain assignment would turn into the record's prototype. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
