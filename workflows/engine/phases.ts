/**
 * Phases: entering (with entry conditions), leaving, repeating and moving on; jumps (goto, event handlers); closing
 * and re-opening the trajectory.
 */
import { evalCondition } from '../../definitions/feel.js';
import type { Phase, PhaseTarget } from '../../definitions/schema.js';
import type { Core } from './core.js';
import { contactWatchActive, resetContact, resolveEscalations } from './escalation.js';
import { advance } from './flow.js';
import { dropActivityRequests, notify } from './outbox.js';
import { closeStep } from './steps.js';
import { EngineRejection } from './types.js';

export function jumpTo(core: Core, target: PhaseTarget, now: number, reason: string): void {
  const phase = 'phase' in target ? target.phase : target.default;
  leavePhase(core, now, reason);
  enterPhase(core, phase, now, reason);
}

/** Cancels the phase's open steps and tokens, and closes its history entry. */
export function leavePhase(core: Core, now: number, reason: string): void {
  for (const step of [...core.state.openSteps]) closeStep(core, step, 'cancelled', reason, now);
  core.state.tokens = [];
  core.state.forks = {};
  core.state.cycles = {};
  dropActivityRequests(core);
  core.state.unconsumedEvents = {};
  const current = core.state.phaseHistory[core.state.phaseHistory.length - 1];
  if (current && current.leftAt === undefined) current.leftAt = now;
}

export function repeatPhase(core: Core, phase: Phase, now: number): void {
  const current = core.state.phaseHistory[core.state.phaseHistory.length - 1];
  if (current && current.leftAt === undefined) current.leftAt = now;
  core.state.phaseHistory.push({ phase: phase.id, enteredAt: now, reason: 'repeat: exit condition not met' });
  core.state.tokens = [{ id: core.state.nextTokenId++, node: phase.start }];
}

export function nextPhase(core: Core, now: number): void {
  const index = core.definition.phases.findIndex((p) => p.id === core.state.phase);
  leavePhase(core, now, 'flow');
  const next = core.definition.phases[index + 1];
  if (next) enterPhase(core, next.id, now, 'flow');
  else closeTrajectory(core, now, 'all phases completed');
}

/** Enters a phase, skipping phases whose entry condition does not hold. */
export function enterPhase(core: Core, phaseId: string, now: number, reason: string): void {
  let index = core.definition.phases.findIndex((p) => p.id === phaseId);
  while (index >= 0 && index < core.definition.phases.length) {
    const phase = core.definition.phases[index]!;
    if (!phase.entry || evalCondition(phase.entry, core.context())) {
      const watchedBefore = contactWatchActive(core);
      core.state.phase = phase.id;
      core.state.phaseHistory.push({ phase: phase.id, enteredAt: now, reason });
      core.state.tokens = [{ id: core.state.nextTokenId++, node: phase.start }];
      notify(core, 'phase.changed', now, { phase: phase.id, phaseName: phase.name, reason });
      if (phase.aftercare) notify(core, 'aftercare.started', now, { phase: phase.id });
      // The contact watch starts counting when a watched phase is entered from an unwatched one (or at start).
      if (contactWatchActive(core) && !watchedBefore) resetContact(core, now, 'watch-started');
      // Leaving the watched phases (e.g. into aftercare) ends the watch: its open escalations are resolved.
      if (!contactWatchActive(core) && watchedBefore) resolveEscalations(core, (e) => e.kind === 'contact', 'watch-ended', now);
      return;
    }
    core.state.phaseHistory.push({ phase: phase.id, enteredAt: now, leftAt: now, reason: 'skipped' });
    index++;
  }
  closeTrajectory(core, now, 'all phases completed');
}

/** The phase {@link enterPhase} would enter for `phaseId` (skipping phases whose entry condition does not hold). */
function enterablePhase(core: Core, phaseId: string): string | undefined {
  const index = core.definition.phases.findIndex((p) => p.id === phaseId);
  if (index < 0) return undefined;
  return core.definition.phases.slice(index).find((p) => !p.entry || evalCondition(p.entry, core.context()))?.id;
}

function closeTrajectory(core: Core, now: number, reason: string): void {
  core.state.status = 'closed';
  core.state.closedAt = now;
  core.state.closeReason = reason;
  core.state.phase = null;
  resolveEscalations(core, (e) => e.kind === 'contact', 'trajectory-closed', now);
  // No free text in events: the reason stays in the state.
  notify(core, 'trajectory.closed', now, {});
}

/** Closes the trajectory: open steps are cancelled, the current phase is left. */
export function close(core: Core, reason: string, closedBy: string, now: number): void {
  if (core.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is already closed');
  leavePhase(core, now, `closed: ${reason}`);
  core.state.closedBy = closedBy;
  closeTrajectory(core, now, reason);
}

/**
 * Re-opens a closed trajectory (closed by mistake, or the family returns after aftercare), keeping its history:
 * steps, escalations, events and phase history stay; the closure is kept in `EngineState.reopenings`. The
 * trajectory enters `phase` (default: the phase it was in when it closed, else the definition's first phase) as it
 * enters any phase: entry conditions apply, the contact watch restarts in a watched phase, and a whole-trajectory
 * pause (opschorting) still standing at the closure ends. Returns the phase entered.
 */
export function reopen(core: Core, phase: string | undefined, reason: string, by: string, now: number, dryRun = false): string {
  const s = core.state;
  if (s.status === 'open') throw new EngineRejection('TrajectoryOpen', 'the trajectory is open');
  if (typeof reason !== 'string' || !reason.trim()) throw new EngineRejection('InvalidRequest', 'a re-opening needs a reason');
  if (typeof by !== 'string' || !by.trim()) throw new EngineRejection('InvalidRequest', 'a re-opening needs who re-opens it (by)');
  const phases = core.definition.phases.map((p) => p.id);
  if (phase !== undefined && !core.phases.has(phase)) {
    throw new EngineRejection('InvalidRequest', `unknown phase "${phase}"; phases: ${phases.join(', ')}`);
  }
  const last = [...s.phaseHistory].reverse().find((e) => e.reason !== 'skipped' && core.phases.has(e.phase));
  const target = phase ?? last?.phase ?? phases[0]!;
  core.clock = now;
  const entered = enterablePhase(core, target);
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
  notify(core, 'trajectory.reopened', now, { phase: entered });
  // Phase null: the contact watch was not active, so entering a watched phase starts it afresh.
  enterPhase(core, target, now, 'reopened');
  advance(core, now);
  return entered;
}
