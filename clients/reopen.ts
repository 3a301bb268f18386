/**
 * Re-opening a closed trajectory from the client side: a closed workflow cannot take updates, so the trajectory's
 * next run is started under the same workflow id, carrying the closed run's input and engine state (its whole
 * history: steps, escalations, events, phase history) and the re-opening, which the new run applies first. A closed
 * trajectory whose run has not ended yet (still delivering notifications) re-opens in that run, by update.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Definition } from '../definitions/schema.js';
import { didYouMean } from '../definitions/validate.js';
import { EngineRejection, TrajectoryEngine } from '../workflows/engine.js';
import { getSnapshotQuery, reopenUpdate, trajectoryWorkflow } from '../workflows/trajectory.js';
import { trajectoryStaticDetails, trajectorySummary } from '../workflows/trajectory/details.js';

// The engine's rejection types a re-opening answers with, checked against the engine's (a renamed type does not
// compile here).
const TRAJECTORY_OPEN = 'TrajectoryOpen' satisfies EngineRejection['type'];
const INVALID_REQUEST = 'InvalidRequest' satisfies EngineRejection['type'];

/** Why a re-opening was refused: one of the engine's rejection types (`EngineRejection['type']`). */
export type ReopenRefusal = typeof TRAJECTORY_OPEN | typeof INVALID_REQUEST;

/**
 * A re-opening refused; nothing was changed. `type` is stable for API mapping (the engine's rejection type); `field`
 * names the request field at fault, when one is.
 */
export class ReopenError extends Error {
  override name = 'ReopenError';
  constructor(
    readonly type: ReopenRefusal,
    message: string,
    readonly field?: 'phase',
  ) {
    super(message);
  }
}

/** The engine's refusal (in this process or in the workflow) as a ReopenError. */
function refused(type: string | undefined, message: string): ReopenError {
  return new ReopenError(type === TRAJECTORY_OPEN ? TRAJECTORY_OPEN : INVALID_REQUEST, message);
}

export interface ReopenOptions {
  workflowId: string;
  /** Task queue of the new run (the worker's). */
  taskQueue: string;
  /** Phase to re-open into; default: the phase the trajectory was in when it closed. */
  phase?: string;
  reason: string;
  by: string;
}

/**
 * Re-opens the closed trajectory `workflowId` by starting its next run. Throws `WorkflowNotFoundError` for an unknown
 * id, and {@link ReopenError} when the trajectory is open (also when re-opened concurrently), ended otherwise than
 * closed (failed, terminated…), or the request is invalid (unknown phase, with a suggestion; no reason); a refused
 * re-opening starts nothing. A completed run's snapshot comes from its result; a closed run that still delivers its
 * notifications is asked by query and update, so a worker must be polling its task queue for that one.
 */
export async function reopenTrajectory(client: Client, opts: ReopenOptions): Promise<{ runId: string }> {
  const { workflowId, taskQueue, phase, reason, by } = opts;
  const description = await client.workflow.getHandle(workflowId).describe(); // WorkflowNotFoundError as is
  const status = description.status.name;
  if (status !== 'RUNNING' && status !== 'COMPLETED') {
    throw new ReopenError(INVALID_REQUEST, `the trajectory ended as ${status}; only a closed trajectory can be re-opened`);
  }
  const handle = client.workflow.getHandle<typeof trajectoryWorkflow>(workflowId, description.runId, { followRuns: false });
  // A completed run's snapshot is in its result (no worker replays it); a running one, or a run from before results
  // carried it, answers the query.
  const snapshot = (status === 'COMPLETED' ? (await handle.result()).snapshot : undefined) ?? (await handle.query(getSnapshotQuery));
  if (snapshot.state.status === 'open') throw new ReopenError(TRAJECTORY_OPEN, 'the trajectory is open');
  const definition = snapshot.input.definition;
  checkPhase(phase, definition);
  const request = { ...(phase !== undefined ? { phase } : {}), reason, by };

  if (status === 'RUNNING') {
    // Closed, but the run still delivers its last notifications (a receiver may be down for days): the run itself
    // re-opens, by update. Should the run end meanwhile, the trajectory is re-opened as a new run after all.
    try {
      await handle.executeUpdate(reopenUpdate, { args: [request] });
      return { runId: description.runId };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause as { type?: string; message?: string } | undefined;
        throw refused(cause?.type, cause?.message ?? err.message);
      }
      if (!(err instanceof WorkflowNotFoundError)) throw err; // else: the run has just ended
      return reopenTrajectory(client, opts);
    }
  }

  // The same engine, run dry on a copy, refuses what the new run would (no reason, every phase skipped…).
  try {
    new TrajectoryEngine(definition, structuredClone(snapshot.state)).reopen(phase, reason, by, Date.now(), true);
  } catch (err) {
    if (err instanceof EngineRejection) throw refused(err.type, err.message);
    throw err;
  }

  try {
    const handle = await client.workflow.start(trajectoryWorkflow, {
      workflowId,
      taskQueue,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      // Search attributes: the workflow upserts its own on its first task. What the Web UI shows of it (user
      // metadata): pseudonymous references only, nothing from the request (its reason) or the data.
      staticSummary: trajectorySummary(snapshot.input, true),
      staticDetails: trajectoryStaticDetails(snapshot.input),
      args: [
        {
          ...snapshot.input,
          state: snapshot.state,
          runs: snapshot.runs + 1,
          reopen: request,
        },
      ],
    });
    return { runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ReopenError(TRAJECTORY_OPEN, 'the trajectory is open (re-opened meanwhile)');
    throw err;
  }
}

/** Refuses a phase the definition does not have, with a suggestion. */
function checkPhase(phase: string | undefined, definition: Definition): void {
  const phases = definition.phases.map((p) => p.id);
  if (phase !== undefined && !phases.includes(phase)) {
    const suggestion = didYouMean(phase, phases);
    throw new ReopenError(INVALID_REQUEST, `unknown phase "${phase}"; phases: ${phases.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, 'phase');
  }
}
