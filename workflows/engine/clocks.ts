/**
 * Clocks: when the engine next needs waking, firing what is due, and the pause arithmetic (opschorting of a step or
 * of the whole trajectory, rescheduling): every clock keeps the time it had left.
 */
import type { Core } from './core.js';
import { climbDueLadders, contactWatchActive, resolveEscalations } from './escalation.js';
import { advance, fireTokenTimers } from './flow.js';
import { shiftLadder, startLadder } from './ladder.js';
import { resolveStep } from './steps.js';
import { EngineRejection, type OpenStep } from './types.js';

/** The earliest instant a timer (or event timeout) of a waiting token, or an escalation level, is due. */
export function nextTimerAt(core: Core): number | undefined {
  if (core.state.paused) return undefined; // opschorting: every clock of the trajectory stands still
  let next: number | undefined;
  const consider = (at: number | undefined) => {
    if (at !== undefined && (next === undefined || at < next)) next = at;
  };
  for (const t of core.state.tokens) consider(t.wait?.kind === 'timer' ? t.wait.at : t.wait?.kind === 'event' ? t.wait.timeoutAt : undefined);
  for (const step of core.state.openSteps) if (!step.paused) consider(step.ladder?.nextAt);
  if (contactWatchActive(core)) consider(core.state.contact?.ladder?.nextAt);
  return next;
}

/** Earliest due date among open steps. */
export function nextDeadline(core: Core): number | undefined {
  return core.state.openSteps.reduce<number | undefined>((m, s) => (m === undefined || s.dueAt < m ? s.dueAt : m), undefined);
}

/** Climbs every due escalation ladder, and moves on every token whose timer (or event timeout) is due at `now`. */
export function fireTimers(core: Core, now: number): void {
  if (core.state.paused) return;
  core.clock = now;
  climbDueLadders(core, now);
  fireTokenTimers(core, now);
  advance(core, now);
}

/** Pauses one step's clock (opschorting) with a reason: its deadline and ladder stand still until resumed. */
export function pauseStep(core: Core, stepId: string, reason: string, by: string, now: number, dryRun = false): OpenStep {
  const step = resolveStep(core, stepId);
  if (step.paused) throw new EngineRejection('StateConflict', `step "${stepId}" is already paused since ${new Date(step.paused.at).toISOString()}`);
  if (!reason.trim()) throw new EngineRejection('InvalidRequest', 'a pause needs a reason');
  if (!dryRun) step.paused = { at: now, reason, by, scope: 'step' };
  return step;
}

/** Resumes a paused step: its deadline and ladder move on by the time it was paused (the time it had left). */
export function resumeStep(core: Core, stepId: string, _by: string, now: number, dryRun = false): OpenStep {
  const step = resolveStep(core, stepId);
  if (!step.paused) throw new EngineRejection('StateConflict', `step "${stepId}" is not paused`);
  if (core.state.paused) throw new EngineRejection('StateConflict', 'the whole trajectory is paused; resume the trajectory');
  if (!dryRun) shiftStep(step, now - step.paused.at);
  return step;
}

/** Pauses every clock of the trajectory: step deadlines, ladders, flow timers and the contact watch. */
export function pauseTrajectory(core: Core, reason: string, by: string, now: number, dryRun = false): void {
  if (core.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
  if (core.state.paused) throw new EngineRejection('StateConflict', 'the trajectory is already paused');
  if (!reason.trim()) throw new EngineRejection('InvalidRequest', 'a pause needs a reason');
  if (dryRun) return;
  core.state.paused = { at: now, reason, by };
  for (const step of core.state.openSteps) if (!step.paused) step.paused = { at: now, reason, by, scope: 'trajectory' };
}

export function resumeTrajectory(core: Core, _by: string, now: number, dryRun = false): void {
  if (core.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
  const paused = core.state.paused;
  if (!paused) throw new EngineRejection('StateConflict', 'the trajectory is not paused');
  if (dryRun) return;
  // Each clock stood still from the pause, or from when it was set if that was during the pause.
  const stood = (since: number | undefined) => now - Math.max(paused.at, since ?? paused.at);
  delete core.state.paused;
  // Steps paused by the trajectory's pause (not those paused on their own) resume with the time they had left.
  for (const step of core.state.openSteps) {
    if (step.paused?.scope === 'trajectory') shiftStep(step, now - step.paused.at);
  }
  for (const t of core.state.tokens) {
    if (t.wait?.kind === 'timer') t.wait.at += stood(t.wait.since);
    if (t.wait?.kind === 'event' && t.wait.timeoutAt !== undefined) t.wait.timeoutAt += stood(t.wait.since);
  }
  // Cycles keep their rhythm after the pause.
  for (const cycle of Object.values(core.state.cycles)) cycle.startedAt += stood(cycle.startedAt);
  const contact = core.state.contact;
  if (contact) {
    const shift = stood(contact.since);
    contact.dueAt += shift;
    if (contact.ladder) shiftLadder(contact.ladder, shift);
  }
}

/** Moves a step's deadline with a reason; its open escalations are resolved and its ladder restarts from it. */
export function reschedule(core: Core, stepId: string, dueAt: number, reason: string, by: string, now: number, dryRun = false): OpenStep {
  const step = resolveStep(core, stepId);
  if (!reason.trim()) throw new EngineRejection('InvalidRequest', 'rescheduling needs a reason');
  if (!(dueAt > now)) throw new EngineRejection('InvalidRequest', 'the new deadline must lie in the future');
  if (!dryRun) setDeadline(core, step, dueAt, reason, by, now);
  return step;
}

export function setDeadline(core: Core, step: OpenStep, dueAt: number, reason: string, by: string, now: number): void {
  (step.reschedules ??= []).push({ at: now, from: step.dueAt, to: dueAt, reason, by });
  step.dueAt = dueAt;
  // A date set during a pause is meant as given: the pause counts from now on.
  if (step.paused) step.paused.at = now;
  resolveEscalations(core, (e) => e.stepId === step.id, 'new-deadline', now);
  if (step.ladder) step.ladder = startLadder(core, step.ladder.policy, dueAt);
}

/** A step's clock moves on by `elapsed` (the time it was paused). */
function shiftStep(step: OpenStep, elapsed: number): void {
  delete step.paused;
  step.dueAt += elapsed;
  if (step.ladder) shiftLadder(step.ladder, elapsed);
}
