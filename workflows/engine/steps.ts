/** Steps: opening a user task's step (ids of loops and multi-instances), finding, completing and closing it. */
import type { Core } from './core.js';
import { resolveEscalations } from './escalation.js';
import { advance, moveOn } from './flow.js';
import { startLadder } from './ladder.js';
import { isObject, own, setOwn } from './records.js';
import { EngineRejection, type ClosedStep, type OpenStep } from './types.js';

export function openStep(
  core: Core,
  nodeId: string,
  name: string,
  owner: string,
  dueAt: number,
  now: number,
  escalation: string | undefined,
  key?: string,
  item?: unknown,
): OpenStep {
  const phase = core.state.phase!;
  const base = key === undefined ? nodeId : `${nodeId}/${key}`;
  const count = (own(core.state.opened, base) ?? 0) + 1;
  setOwn(core.state.opened, base, count);
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
  if (escalation) step.ladder = startLadder(core, escalation, dueAt);
  if (core.state.paused) step.paused = { ...core.state.paused, at: now, scope: 'trajectory' };
  core.state.openSteps.push(step);
  return step;
}

export function closeStep(core: Core, step: OpenStep, outcome: ClosedStep['outcome'], closedBy: string, now: number, output?: Record<string, unknown>): ClosedStep {
  core.state.openSteps = core.state.openSteps.filter((s) => s !== step);
  resolveEscalations(core, (e) => e.stepId === step.id, outcome === 'completed' ? 'step-completed' : 'step-cancelled', now);
  const closed: ClosedStep = { ...step, outcome, closedAt: now, closedBy, ...(output ? { output } : {}) };
  core.state.closedSteps.push(closed);
  return closed;
}

/**
 * The open step with exactly this id. There is no fallback from a node id to a later instance: a retried request
 * for a step that was just completed must not close the next instance (`evaluation#2`) by accident.
 */
export function resolveStep(core: Core, stepId: string): OpenStep {
  if (core.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
  const step = core.state.openSteps.find((s) => s.id === stepId);
  if (step) return step;
  const instances = core.state.openSteps.filter((s) => s.nodeId === stepId.replace(/[/#].*$/, '')).map((s) => s.id);
  const hint = instances.length ? `; open instances of "${stepId.replace(/[/#].*$/, '')}": ${instances.join(', ')}` : '';
  const done = core.state.closedSteps.some((s) => s.id === stepId);
  throw new EngineRejection('StepNotOpen', `step "${stepId}" is ${done ? 'already closed' : 'not open'}${hint}`);
}

/** Checks a step completion without changing anything (the update validator). */
export function validateCompletion(core: Core, stepId: string, output: unknown): void {
  resolveStep(core, stepId);
  if (output !== undefined && (typeof output !== 'object' || output === null || Array.isArray(output))) {
    throw new EngineRejection('InvalidRequest', 'output must be an object');
  }
}

export function completeStep(core: Core, stepId: string, completedBy: string, output: Record<string, unknown> | undefined, now: number): ClosedStep {
  validateCompletion(core, stepId, output);
  const step = resolveStep(core, stepId);
  const closed = closeStep(core, step, 'completed', completedBy, now, output);
  if (output) for (const [key, value] of Object.entries(output)) setOwn(core.state.data, key, value);
  for (const token of core.state.tokens) {
    if (token.wait?.kind !== 'task' || !token.wait.stepIds.includes(step.id)) continue;
    token.wait.stepIds = token.wait.stepIds.filter((id) => id !== step.id);
    if (token.wait.stepIds.length === 0) moveOn(core, token, core.nextOf(token.node));
  }
  advance(core, now);
  return closed;
}

/** A multi-instance element's key in its step id: its `id` made URL-safe, else its position (1-based). */
export function stepKey(item: unknown, index: number): string {
  const id = isObject(item) && (typeof item.id === 'string' || typeof item.id === 'number') ? String(item.id) : '';
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return safe || String(index + 1);
}
