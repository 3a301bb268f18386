/**
 * The definition interpreter as a pure state machine: tokens move through a phase's flow graph; user tasks, timers
 * and event waits park them; step completions, events and fired timers move them on. No I/O and no clock of its
 * own (every call gets `now`), so the trajectory workflow drives it deterministically, and its whole state is plain
 * JSON that survives continue-as-new.
 *
 * Service tasks are the one asynchronous element: the engine parks the token and queues an activity request; the
 * workflow runs the activity and reports back with {@link TrajectoryEngine.activityCompleted}.
 */
import { toAmsterdamLocal, type CalendarOptions } from '../definitions/calendar.js';
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

export interface Incident {
  at: number;
  node: string;
  message: string;
}

type Wait =
  | { kind: 'task'; stepIds: string[] }
  | { kind: 'timer'; at: number; cycle?: boolean }
  | { kind: 'event'; event: string; timeoutAt?: number }
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

/** Everything the engine knows; plain JSON. */
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
}

/** A request the engine refuses (unknown step, closed trajectory…); `type` is stable for API mapping. */
export class EngineRejection extends Error {
  override name = 'EngineRejection';
  constructor(
    readonly type: 'StepNotOpen' | 'AmbiguousStep' | 'TrajectoryClosed' | 'InvalidRequest',
    message: string,
  ) {
    super(message);
  }
}

/** How many event records the state keeps (older ones are dropped; `lastEventAt` keeps every event's last time). */
const MAX_EVENT_RECORDS = 200;

export class TrajectoryEngine {
  private readonly phases: Map<string, Phase>;
  private readonly nodes = new Map<string, { node: Node; phase: string }>();
  private readonly calendar: CalendarOptions;

  constructor(
    readonly definition: Definition,
    readonly state: EngineState,
  ) {
    // States carried over from earlier engine versions (continue-as-new) lack newer fields.
    state.unconsumedEvents ??= {};
    this.phases = new Map(definition.phases.map((p) => [p.id, p]));
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
    let next: number | undefined;
    for (const t of this.state.tokens) {
      const at = t.wait?.kind === 'timer' ? t.wait.at : t.wait?.kind === 'event' ? t.wait.timeoutAt : undefined;
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
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
    if (output) Object.assign(this.state.data, output);
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
    this.state.lastEventAt[event] = now;
    this.clock = now;
    let effect: EventRecord['effect'] = 'recorded';
    if (this.state.status === 'open') {
      const target = this.handlerTarget(event, payload);
      if (target) {
        this.jumpTo(target, now, `event:${event}`);
        effect = 'handler';
      } else {
        for (const token of this.state.tokens) {
          if (token.wait?.kind !== 'event' || token.wait.event !== event) continue;
          this.deliver(token, payload);
          effect = 'delivered';
        }
        if (effect === 'recorded') this.state.unconsumedEvents[event] = { at: now, payload: payload ?? null };
      }
      this.advance(now);
    }
    this.state.events.push({ event, at: now, ...(reportedBy ? { reportedBy } : {}), effect });
    if (this.state.events.length > MAX_EVENT_RECORDS) this.state.events.splice(0, this.state.events.length - MAX_EVENT_RECORDS);
    return effect;
  }

  private deliver(token: Token, payload: unknown): void {
    const node = this.node(token.node);
    if (node.type === 'event' && node.storeAs) this.state.data[node.storeAs] = payload ?? null;
    this.moveOn(token, this.nextOf(token.node));
  }

  /** Moves on every token whose timer (or event timeout) is due at `now`. */
  fireTimers(now: number): void {
    for (const token of this.state.tokens) {
      const wait = token.wait;
      if (wait?.kind === 'timer' && wait.at <= now) {
        const node = this.node(token.node);
        if (wait.cycle) this.state.cycles[token.node]!.ticks++;
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
    if (node.type === 'serviceTask' && node.resultVariable) this.state.data[node.resultVariable] = result ?? null;
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
    this.state.phase = null;
    this.state.status = 'closed';
    this.state.closedAt = now;
    this.state.closeReason = reason;
    this.state.closedBy = closedBy;
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
    const count = (this.state.opened[base] ?? 0) + 1;
    this.state.opened[base] = count;
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
    this.state.openSteps.push(step);
    return step;
  }

  private closeStep(step: OpenStep, outcome: ClosedStep['outcome'], closedBy: string, now: number, output?: Record<string, unknown>): ClosedStep {
    this.state.openSteps = this.state.openSteps.filter((s) => s !== step);
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
          for (const p of planned) {
            stepIds.push(this.openStep(node.id, p.name, p.owner, p.dueAt, now, node.task.escalation ?? defaultPolicy, p.key, p.item).id);
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
            const cycle = (this.state.cycles[node.id] ??= { startedAt: now, ticks: 0 });
            if (cycle.ticks >= node.cycle.times) {
              delete this.state.cycles[node.id];
              return this.moveOn(token, node.done);
            }
            token.wait = { kind: 'timer', at: addDurationTimes(cycle.startedAt, node.cycle.every, cycle.ticks + 1, this.calendar), cycle: true };
            return;
          }
          const at = node.duration !== undefined ? addDuration(now, node.duration, this.calendar) : instantOf(evalFeel(node.date!, this.context()));
          if (at === undefined) return this.incident(token, `the timer date "${node.date}" does not evaluate to a date`, now);
          token.wait = { kind: 'timer', at };
          return;
        }
        case 'event': {
          const early = this.state.unconsumedEvents[node.event];
          if (early) {
            delete this.state.unconsumedEvents[node.event];
            return this.deliver(token, early.payload);
          }
          token.wait = {
            kind: 'event',
            event: node.event,
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

  private handlerTarget(event: string, payload: unknown): PhaseTarget | undefined {
    for (const handler of this.definition.eventHandlers) {
      if (handler.event !== event) continue;
      if (handler.inPhases && !handler.inPhases.includes(this.state.phase ?? '')) continue;
      if (handler.when && !evalCondition(handler.when, this.context({ event: payload ?? null }))) continue;
      if ('phase' in handler.goto) return handler.goto;
      const chosen = handler.goto.cases.find((c) => evalCondition(c.when, this.context({ event: payload ?? null })));
      return { phase: chosen?.phase ?? handler.goto.default };
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
    else {
      this.state.status = 'closed';
      this.state.closedAt = now;
      this.state.closeReason = 'all phases completed';
      this.state.phase = null;
    }
  }

  /** Enters a phase, skipping phases whose entry condition does not hold. */
  private enterPhase(phaseId: string, now: number, reason: string): void {
    let index = this.definition.phases.findIndex((p) => p.id === phaseId);
    while (index >= 0 && index < this.definition.phases.length) {
      const phase = this.definition.phases[index]!;
      if (!phase.entry || evalCondition(phase.entry, this.context())) {
        this.state.phase = phase.id;
        this.state.phaseHistory.push({ phase: phase.id, enteredAt: now, reason });
        this.state.tokens = [{ id: this.state.nextTokenId++, node: phase.start }];
        return;
      }
      this.state.phaseHistory.push({ phase: phase.id, enteredAt: now, leftAt: now, reason: 'skipped' });
      index++;
    }
    this.state.status = 'closed';
    this.state.closedAt = now;
    this.state.closeReason = 'all phases completed';
    this.state.phase = null;
  }
}

/** A multi-instance element's key in its step id: its `id` made URL-safe, else its position (1-based). */
function stepKey(item: unknown, index: number): string {
  const id = isObject(item) && (typeof item.id === 'string' || typeof item.id === 'number') ? String(item.id) : '';
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return safe || String(index + 1);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
