/**
 * The definition interpreter as a pure state machine: tokens move through a phase's flow graph; user tasks, timers
 * and event waits park them; step completions, events and fired timers move them on. No I/O and no clock of its
 * own (every call gets `now`), so the trajectory workflow drives it deterministically, and its whole state is plain
 * JSON that survives continue-as-new.
 *
 * This class is the facade: each method is one transition, carried out by the module of its concern (over a
 * {@link Core}: the indexed definition, the state and the operation's clock):
 *
 * | module        | concern                                                                              |
 * | ------------- | ------------------------------------------------------------------------------------ |
 * | types.ts      | the state and what it records; effects; {@link EngineRejection}                      |
 * | flow.ts       | flow tokens and forks: running tokens until they all wait, timers, activities        |
 * | nodes.ts      | what each node type does: a handler table the compiler checks is complete            |
 * | phases.ts     | entering, leaving, repeating phases; jumps; closing and re-opening                   |
 * | steps.ts      | opening, finding, completing and closing steps                                       |
 * | clocks.ts     | the next wake-up, firing what is due, pause and reschedule arithmetic                |
 * | ladder.ts     | the escalation ladder, one mechanism for steps and the contact watch                 |
 * | escalation.ts | step and contact escalations, the contact watch, decisions, how notifications say it |
 * | events.ts     | case-system events: event handlers (relapse), waits, early events                    |
 * | outbox.ts     | the one outbox of effects: notifications and service-task activities                 |
 *
 * Service tasks are the one asynchronous element: the engine parks the token and queues an activity request; the
 * workflow runs the activity and reports back with {@link TrajectoryEngine.activityCompleted}.
 */
import type { Definition, Phase } from '../../definitions/schema.js';
import * as clocks from './clocks.js';
import { Core } from './core.js';
import * as escalation from './escalation.js';
import { reportEvent } from './events.js';
import * as flow from './flow.js';
import * as outbox from './outbox.js';
import * as phases from './phases.js';
import * as steps from './steps.js';
import type { ActivityRequest, ClosedStep, DecisionInput, Effect, EngineState, EscalationRecord, EventRecord, Notification, OpenStep } from './types.js';

export * from './types.js';
export { elementOf } from './escalation.js';
export type { NodeHandler, NodeHandlers, NodeOf } from './nodes.js';

export class TrajectoryEngine {
  private readonly core: Core;

  constructor(
    readonly definition: Definition,
    readonly state: EngineState,
  ) {
    this.core = new Core(definition, state);
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
    return this.core.phase;
  }

  /** The earliest instant a timer (or event timeout) of a waiting token, or an escalation level, is due. */
  nextTimerAt(): number | undefined {
    return clocks.nextTimerAt(this.core);
  }

  /** Earliest due date among open steps. */
  nextDeadline(): number | undefined {
    return clocks.nextDeadline(this.core);
  }

  /** True while the token is still waiting for its service task's activity (false once its phase was left). */
  awaitsActivity(tokenId: number): boolean {
    return flow.awaitsActivity(this.core, tokenId);
  }

  // ---- the outbox -----------------------------------------------------------------------------------------------

  /** Every effect queued since the last call: notifications, then service-task activities. */
  takeEffects(): Effect[] {
    return outbox.takeEffects(this.core);
  }

  /** Notifications queued since the last call. */
  takeNotifications(): Notification[] {
    return outbox.takeNotifications(this.core);
  }

  /** Activity requests queued since the last call. */
  takeActivityRequests(): ActivityRequest[] {
    return outbox.takeActivityRequests(this.core);
  }

  // ---- the flow -------------------------------------------------------------------------------------------------

  /** Runs every runnable token until all wait (see flow.ts). */
  advance(now: number): void {
    flow.advance(this.core, now);
  }

  /** Enters a phase as the flow does (entry conditions, contact watch), without leaving the current one. */
  enterPhase(phaseId: string, now: number, reason: string): void {
    phases.enterPhase(this.core, phaseId, now, reason);
  }

  /** A case-system event: a matching event handler jumps phase; otherwise it resumes the tokens waiting for it. */
  reportEvent(event: string, payload: unknown, reportedBy: string | undefined, now: number): EventRecord['effect'] {
    return reportEvent(this.core, event, payload, reportedBy, now);
  }

  /** Moves on every token whose timer (or event timeout) is due at `now`, and climbs every due escalation ladder. */
  fireTimers(now: number): void {
    clocks.fireTimers(this.core, now);
  }

  activityCompleted(tokenId: number, result: unknown, now: number): void {
    flow.activityCompleted(this.core, tokenId, result, now);
  }

  activityFailed(tokenId: number, message: string, now: number): void {
    flow.activityFailed(this.core, tokenId, message, now);
  }

  // ---- steps ----------------------------------------------------------------------------------------------------

  /** The open step with exactly this id (no fallback from a node id to a later instance). */
  resolveStep(stepId: string): OpenStep {
    return steps.resolveStep(this.core, stepId);
  }

  /** Checks a step completion without changing anything (the update validator). */
  validateCompletion(stepId: string, output: unknown): void {
    steps.validateCompletion(this.core, stepId, output);
  }

  completeStep(stepId: string, completedBy: string, output: Record<string, unknown> | undefined, now: number): ClosedStep {
    return steps.completeStep(this.core, stepId, completedBy, output, now);
  }

  // ---- the trajectory -------------------------------------------------------------------------------------------

  /** Closes the trajectory: open steps are cancelled, the current phase is left. */
  close(reason: string, closedBy: string, now: number): void {
    phases.close(this.core, reason, closedBy, now);
  }

  /** Re-opens a closed trajectory into `phase` (see phases.ts); returns the phase entered. */
  reopen(phase: string | undefined, reason: string, by: string, now: number, dryRun = false): string {
    return phases.reopen(this.core, phase, reason, by, now, dryRun);
  }

  // ---- escalation -----------------------------------------------------------------------------------------------

  /** Records who an escalation reached (from the directory). */
  recordRecipients(escalationId: string, recipients: string[], now: number): void {
    escalation.recordRecipients(this.core, escalationId, recipients, now);
  }

  acknowledge(escalationId: string, by: string, now: number, dryRun = false): EscalationRecord {
    return escalation.acknowledge(this.core, escalationId, by, now, dryRun);
  }

  /** Records a decision on an open escalation (see escalation.ts). */
  decide(escalationId: string, decision: DecisionInput, now: number, dryRun = false): EscalationRecord {
    return escalation.decide(this.core, escalationId, decision, now, dryRun);
  }

  // ---- clocks ---------------------------------------------------------------------------------------------------

  /** Pauses one step's clock (opschorting) with a reason: its deadline and ladder stand still until resumed. */
  pauseStep(stepId: string, reason: string, by: string, now: number, dryRun = false): OpenStep {
    return clocks.pauseStep(this.core, stepId, reason, by, now, dryRun);
  }

  /** Resumes a paused step: its deadline and ladder move on by the time it was paused (the time it had left). */
  resumeStep(stepId: string, by: string, now: number, dryRun = false): OpenStep {
    return clocks.resumeStep(this.core, stepId, by, now, dryRun);
  }

  /** Pauses every clock of the trajectory: step deadlines, ladders, flow timers and the contact watch. */
  pauseTrajectory(reason: string, by: string, now: number, dryRun = false): void {
    clocks.pauseTrajectory(this.core, reason, by, now, dryRun);
  }

  resumeTrajectory(by: string, now: number, dryRun = false): void {
    clocks.resumeTrajectory(this.core, by, now, dryRun);
  }

  /** Moves a step's deadline with a reason; its open escalations are resolved and its ladder restarts from it. */
  reschedule(stepId: string, dueAt: number, reason: string, by: string, now: number, dryRun = false): OpenStep {
    return clocks.reschedule(this.core, stepId, dueAt, reason, by, now, dryRun);
  }
}
