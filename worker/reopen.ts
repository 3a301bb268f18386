/**
 * Re-opening a closed trajectory from the client side: a closed workflow cannot take updates, so the trajectory's
 * next run is started under the same workflow id, carrying the closed run's input and engine state (its whole
 * history: steps, escalations, events, phase history) and the re-opening, which the new run applies first.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { didYouMean } from '../definitions/validate.js';
import { EngineRejection, TrajectoryEngine } from '../workflows/engine.js';
import { getSnapshotQuery, trajectoryWorkflow } from '../workflows/trajectory.js';

/** A re-opening refused; nothing was changed. `type` is stable for API mapping (as the engine's rejections). */
export class ReopenError extends Error {
  override name = 'ReopenError';
  constructor(
    readonly type: 'TrajectoryOpen' | 'InvalidRequest',
    message: string,
  ) {
    super(message);
  }
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
 * re-opening starts nothing. The closed run's snapshot is queried, so a worker must be polling its task queue.
 */
export async function reopenTrajectory(client: Client, opts: ReopenOptions): Promise<{ runId: string }> {
  const { workflowId, taskQueue, phase, reason, by } = opts;
  const description = await client.workflow.getHandle(workflowId).describe(); // WorkflowNotFoundError as is
  const status = description.status.name;
  if (status === 'RUNNING') throw new ReopenError('TrajectoryOpen', 'the trajectory is open');
  if (status !== 'COMPLETED') {
    throw new ReopenError('InvalidRequest', `the trajectory ended as ${status}; only a closed trajectory can be re-opened`);
  }

  const snapshot = await client.workflow.getHandle(workflowId, description.runId).query(getSnapshotQuery);
  const definition = snapshot.input.definition;
  const phases = definition.phases.map((p) => p.id);
  if (phase !== undefined && !phases.includes(phase)) {
    const suggestion = didYouMean(phase, phases);
    throw new ReopenError(
      'InvalidRequest',
      `unknown phase "${phase}"; phases: ${phases.join(', ')}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    );
  }
  // The same engine, run dry on a copy, refuses what the new run would (no reason, every phase skipped…).
  try {
    new TrajectoryEngine(definition, structuredClone(snapshot.state)).reopen(phase, reason, by, Date.now(), true);
  } catch (err) {
    if (err instanceof EngineRejection) throw new ReopenError(err.type === 'TrajectoryOpen' ? 'TrajectoryOpen' : 'InvalidRequest', err.message);
    throw err;
  }

  try {
    const handle = await client.workflow.start(trajectoryWorkflow, {
      workflowId,
      taskQueue,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      // Search attributes: the workflow upserts its own on its first task.
      args: [
        {
          ...snapshot.input,
          state: snapshot.state,
          runs: snapshot.runs + 1,
          // A new run has no history to replay: it takes revision 3, as continue-as-new does.
          recipientsByActivity: true,
          reopen: { ...(phase !== undefined ? { phase } : {}), reason, by },
        },
      ],
    });
    return { runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ReopenError('TrajectoryOpen', 'the trajectory is open (re-opened meanwhile)');
    throw err;
  }
}
