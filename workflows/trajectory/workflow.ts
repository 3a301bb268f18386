/**
 * The trajectory workflow: one execution per family trajectory, keyed by the case system's case reference. It is the
 * interpreter of process definitions: it runs the definition it was started with (pinned for its whole life, also
 * across continue-as-new) through the pure {@link TrajectoryEngine}, and adds what needs Temporal: durable timers,
 * activities for service tasks (./delivery.ts), messages (./messages.ts, handled in ./handlers.ts), search
 * attributes (./view.ts) and continue-as-new. This module is the run's loop only.
 */
import { allHandlersFinished, condition, continueAsNew, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { EngineRejection, TrajectoryEngine } from '../engine.js';
import { decideRevisions } from '../revisions.js';
import { delivery } from './delivery.js';
import { currentDetails, timerSummary } from './details.js';
import { registerHandlers, snapshot } from './handlers.js';
import type { TrajectoryInput, TrajectoryResult } from './messages.js';
import { searchAttributesPublisher, view } from './view.js';

/** What the run's handlers and deliveries share: the engine, the input, workflow time, and the loop's wake-up. */
export interface Run {
  readonly engine: TrajectoryEngine;
  readonly input: TrajectoryInput;
  /** How many runs came before this one. */
  readonly runs: number;
  /** Workflow time (deterministic in the workflow sandbox). */
  now(): number;
  /** Something changed: the loop runs again (delivers, publishes, re-arms its timer). */
  wake(): void;
}

export async function trajectoryWorkflow(input: TrajectoryInput): Promise<TrajectoryResult> {
  const now = () => Date.now();
  // Behaviour changed after 1.0.0 is asked of the registry of revisions, once, first thing (workflows/revisions.ts):
  // the answers hold for the whole run, and the engine state carries them to the trajectory's later runs.
  const revisions = decideRevisions(input.state?.revisions);
  const engine = input.state ? new TrajectoryEngine(input.definition, input.state) : TrajectoryEngine.start(input.definition, input.data ?? {}, now());
  engine.state.revisions = revisions;
  const runs = input.runs ?? 0;
  let dirty = false;
  const run: Run = { engine, input, runs, now, wake: () => void (dirty = true) };
  // A re-opening (a new run of a closed trajectory) happens once, before anything else. The client checked it with
  // the same engine; should it still be refused, the run records an incident and ends closed, ready for another try.
  if (input.state && input.reopen) {
    const { phase, reason, by } = input.reopen;
    try {
      engine.reopen(phase, reason, by, now());
    } catch (err) {
      if (!(err instanceof EngineRejection)) throw err;
      engine.state.incidents.push({ at: now(), node: 'reopen', message: `re-opening refused: ${err.message}` });
    }
  }

  registerHandlers(run);
  const publishSearchAttributes = searchAttributesPublisher(engine, input, revisions);
  const deliveries = delivery(run);
  // The Web UI's current details (user metadata): set after every transition when the text changed. No command, so
  // nothing a replay checks.
  let details = '';
  const publishDetails = () => {
    const text = currentDetails(engine.state, input);
    if (text !== details) setCurrentDetails((details = text));
  };

  for (;;) {
    deliveries.dispatch();
    publishSearchAttributes();
    publishDetails();
    if (engine.state.status === 'closed' && !deliveries.busy()) break;

    const info = workflowInfo();
    const historyFull = input.maxHistoryEvents !== undefined && info.historyLength >= input.maxHistoryEvents;
    if ((info.continueAsNewSuggested || historyFull) && !deliveries.busy()) {
      await condition(allHandlersFinished);
      const { reopen: _reopen, ...carried } = input; // the re-opening happened in this run
      await continueAsNew<typeof trajectoryWorkflow>({ ...carried, state: engine.state, runs: runs + 1 });
    }

    dirty = false;
    const next = engine.nextTimerAt();
    // The timer's summary says what falls due (user metadata: not part of what a replay compares).
    const fired =
      next === undefined
        ? await condition(() => dirty).then(() => true)
        : await condition(() => dirty, Math.max(next - now(), 1), { summary: timerSummary(engine.state, input, next) });
    if (!fired) engine.fireTimers(now());
  }
  await condition(allHandlersFinished);
  return { ...view(engine, input, runs), snapshot: snapshot(run) };
}
