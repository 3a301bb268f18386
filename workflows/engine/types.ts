/**
 * The engine's vocabulary: its state (plain JSON that survives continue-as-new), what it records (steps,
 * escalations, phases, events, incidents), what it asks of the outside world (notifications and service-task
 * activities: {@link Effect}), and how it refuses a request ({@link EngineRejection}). Types only, but for the
 * rejection class.
 */

/** An open step: a user task waiting for its owner. Times are epoch milliseconds. */
export interface OpenStep {
  /**
   * Step id: the node id, `node#k` for the k-th time a node opens, `node/key` for a multi-instance element. The API and
   * notifications spell it with `~` and `:` (definitions/ids.ts); the engine keeps this spelling (states, histories).
   */
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

/** What a token waits for. */
export type Wait =
  | { kind: 'task'; stepIds: string[] }
  | { kind: 'timer'; at: number; cycle?: boolean; since?: number }
  | { kind: 'event'; event: string; timeoutAt?: number; since?: number }
  | { kind: 'join' }
  | { kind: 'activity' }
  | { kind: 'incident' };

/** A position in the current phase's flow graph. */
export interface Token {
  id: number;
  node: string;
  /** The parallel fork this token belongs to, if any. */
  fork?: number;
  wait?: Wait;
}

/** A parallel split whose branches have not all reached its join. */
export interface Fork {
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
  /**
   * The trajectory's answers to the registry of revisions (workflows/revisions.ts), asked once at the start of its
   * first run and carried by every later run, so that the trajectory keeps its branch of each for its whole life.
   * Absent in a state from before the registry held answers: its next run asks.
   */
  revisions?: Record<string, boolean>;
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


/**
 * What the engine asks of the outside world, from its one outbox (./outbox.ts): a notification to deliver, or a
 * service task's activity to run.
 */
export type Effect = { kind: 'notification'; notification: Notification } | { kind: 'activity'; request: ActivityRequest };
