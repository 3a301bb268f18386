/**
 * The trajectory workflow's contract: what it is started with and returns, and the messages it answers (queries,
 * the event signal, updates). Definitions only; the handlers are in ./handlers.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Definition } from '../../definitions/schema.js';
import type { ClosedStep, EngineState } from '../engine.js';
import type { TrajectoryView } from './view.js';

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
   * Re-open the closed trajectory in `state` at the start of this run (see `reopenTrajectory` in clients/reopen.ts):
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
 * being delivered). A run that has ended is re-opened as a new run instead (`reopenTrajectory` in clients/reopen.ts).
 */
export const reopenUpdate = defineUpdate<TrajectoryView, [{ phase?: string; reason: string; by: string }]>('reopen');

/** Update: close the trajectory with a reason. Rejected (history untouched) when it is already closed. */
export const closeUpdate = defineUpdate<TrajectoryView, [{ reason: string; closedBy?: string }]>('close');
