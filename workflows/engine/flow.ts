/**
 * Flow tokens and forks: tokens move through the current phase's flow graph, each node run once by its handler in
 * the node-handler table (./nodes.ts); waits park them, completions, events, timers and activities move them on.
 */
import { evalCondition } from '../../definitions/feel.js';
import type { Core } from './core.js';
import { runNode } from './nodes.js';
import { nextPhase, repeatPhase } from './phases.js';
import { own, setOwn } from './records.js';
import type { Token } from './types.js';

/**
 * Runs every runnable token until all wait. When the current phase's flow has ended, the trajectory moves to the
 * next phase if the exit condition holds, and otherwise runs the phase's flow again (the work is redone, e.g. a new
 * safety assessment), so a phase never silently stalls. A flow that loops without ever waiting becomes an
 * incident instead of a hang.
 */
export function advance(core: Core, now: number): void {
  core.clock = now;
  for (let guard = 0; guard < 10_000; guard++) {
    if (core.state.status === 'closed') return;
    const token = core.state.tokens.find((t) => !t.wait);
    if (token) {
      step(core, token, now);
      continue;
    }
    const phase = core.phase;
    if (phase && core.state.tokens.length === 0) {
      if (!phase.exit || evalCondition(phase.exit, core.context())) nextPhase(core, now);
      else repeatPhase(core, phase, now);
      continue;
    }
    return;
  }
  const runaway = core.state.tokens.find((t) => !t.wait);
  if (runaway) incident(core, runaway, 'the flow loops without waiting (10 000 steps in one go)', now);
}

/** Executes the token's current node once; a node that throws (a FEEL error) parks the token as an incident. */
function step(core: Core, token: Token, now: number): void {
  core.clock = now;
  const node = core.node(token.node);
  try {
    runNode(core, token, node, now);
  } catch (err) {
    incident(core, token, (err as Error).message, now);
  }
}

/** The token moves to `next`, or ends (leaves the flow) without one. */
export function moveOn(core: Core, token: Token, next: string | undefined): void {
  delete token.wait;
  if (next === undefined) core.state.tokens = core.state.tokens.filter((t) => t !== token);
  else token.node = next;
}

/** The token stops with an incident (a person looks at it). */
export function incident(core: Core, token: Token, message: string, now: number): void {
  token.wait = { kind: 'incident' };
  core.state.incidents.push({ at: now, node: token.node, message });
}

/** True when the token is inside the fork, directly or through nested forks. */
export function inFork(core: Core, token: Token, forkId: number): boolean {
  for (let f = token.fork; f !== undefined; f = core.state.forks[f]?.parent) if (f === forkId) return true;
  return false;
}

/** An event reaches a token waiting for it: the payload is stored (`storeAs`) and the token moves on. */
export function deliverEvent(core: Core, token: Token, payload: unknown): void {
  const node = core.node(token.node);
  if (node.type === 'event' && node.storeAs) setOwn(core.state.data, node.storeAs, payload ?? null);
  moveOn(core, token, core.nextOf(token.node));
}

/** The tokens whose timer (or event timeout) is due at `now` move on. */
export function fireTokenTimers(core: Core, now: number): void {
  for (const token of core.state.tokens) {
    const wait = token.wait;
    if (wait?.kind === 'timer' && wait.at <= now) {
      const node = core.node(token.node);
      if (wait.cycle) own(core.state.cycles, token.node)!.ticks++;
      moveOn(core, token, node.type === 'timer' ? node.next : undefined);
    } else if (wait?.kind === 'event' && wait.timeoutAt !== undefined && wait.timeoutAt <= now) {
      const node = core.node(token.node);
      moveOn(core, token, node.type === 'event' ? node.timeout?.next : undefined);
    }
  }
}

/** True while the token is still waiting for its service task's activity (false once its phase was left). */
export function awaitsActivity(core: Core, tokenId: number): boolean {
  return core.state.tokens.some((t) => t.id === tokenId && t.wait?.kind === 'activity');
}

export function activityCompleted(core: Core, tokenId: number, result: unknown, now: number): void {
  const token = core.state.tokens.find((t) => t.id === tokenId);
  if (!token || token.wait?.kind !== 'activity') return; // the phase was left meanwhile
  const node = core.node(token.node);
  if (node.type === 'serviceTask' && node.resultVariable) setOwn(core.state.data, node.resultVariable, result ?? null);
  moveOn(core, token, core.nextOf(token.node));
  advance(core, now);
}

export function activityFailed(core: Core, tokenId: number, message: string, now: number): void {
  const token = core.state.tokens.find((t) => t.id === tokenId);
  if (!token || token.wait?.kind !== 'activity') return;
  incident(core, token, `activity failed: ${message}`, now);
}
