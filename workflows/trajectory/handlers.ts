/**
 * The trajectory's message handlers: queries read the view, the event signal feeds the engine, and every update goes
 * the same way: a validator that refuses without touching history (an {@link EngineRejection} becomes the business
 * failure the caller sees), then the change, after which the run's loop wakes.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { EngineRejection, type DecisionInput } from '../engine.js';
import {
  acknowledgeEscalationUpdate,
  closeUpdate,
  completeStepUpdate,
  decideEscalationUpdate,
  getSnapshotQuery,
  getStateQuery,
  pauseUpdate,
  reopenUpdate,
  reportEventSignal,
  rescheduleUpdate,
  resumeUpdate,
  type DecisionRequest,
  type TrajectorySnapshot,
} from './messages.js';
import { view } from './view.js';
import type { Run } from './workflow.js';

/** Turns an engine rejection into the business failure Temporal reports to the update's caller. */
function rejecting<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof EngineRejection) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

function toDecision(request: DecisionRequest): DecisionInput {
  if (request.type === 'new-deadline') {
    const dueAt = Date.parse(request.dueAt);
    if (Number.isNaN(dueAt)) throw new EngineRejection('InvalidRequest', `dueAt "${request.dueAt}" is not an ISO 8601 date-time`);
    return { ...request, dueAt };
  }
  return request;
}

function parseInstant(value: string, field: string): number {
  const ms = Date.parse(value);
  if (typeof value !== 'string' || Number.isNaN(ms)) throw new EngineRejection('InvalidRequest', `${field} "${value}" is not an ISO 8601 date-time`);
  return ms;
}

/** An update as the run handles it: `validate` refuses (throws) without changing anything, `apply` changes. */
interface UpdateHandling<A, R> {
  validate(args: A): void;
  apply(args: A): R;
}

/** The run's snapshot: its input without state, runs and re-opening, and the engine state as it is. */
export function snapshot(run: Run): TrajectorySnapshot {
  const { state: _state, runs: _runs, reopen: _reopen, ...rest } = run.input;
  return { input: rest, state: run.engine.state, runs: run.runs };
}

/** Registers the run's query, signal and update handlers (in the order of 1.0.0: buffered messages are handled as they register). */
export function registerHandlers(run: Run): void {
  const { engine, input, runs, now } = run;
  const current = () => view(engine, input, runs);

  setHandler(getStateQuery, current);
  setHandler(getSnapshotQuery, () => snapshot(run));

  /** The one update path: the validator runs `validate` (refusals reach the caller, not history), the handler `apply`. */
  const update = <A, R>(definition: UpdateDefinition<R, [A]>, handling: UpdateHandling<A, R>) => {
    setHandler(
      definition as UpdateDefinition<unknown, [unknown]>,
      ((args: A) => {
        const result = handling.apply(args);
        run.wake();
        return result;
      }) as never,
      { validator: ((args: A) => rejecting(() => handling.validate(args))) as never },
    );
  };
  /** An update whose validator is its change run dry, answering with the trajectory's new state. */
  const command = <A>(definition: UpdateDefinition<ReturnType<typeof current>, [A]>, change: (args: A, dryRun: boolean) => unknown) =>
    update(definition, {
      validate: (args) => void change(args, true),
      apply: (args) => {
        change(args, false);
        return current();
      },
    });

  update(completeStepUpdate, {
    validate: ({ stepId, output, completedBy }) => {
      if (typeof stepId !== 'string' || typeof completedBy !== 'string' || completedBy === '') {
        throw new EngineRejection('InvalidRequest', 'stepId and completedBy are required');
      }
      engine.validateCompletion(stepId, output);
    },
    apply: ({ stepId, completedBy, output }) => engine.completeStep(stepId, completedBy, output, now()),
  });
  setHandler(reportEventSignal, ({ event, payload, reportedBy }) => {
    engine.reportEvent(event, payload, reportedBy, now());
    run.wake();
  });
  command(acknowledgeEscalationUpdate, (a, dry) => engine.acknowledge(a.escalationId, a.acknowledgedBy, now(), dry));
  command(decideEscalationUpdate, (a, dry) => engine.decide(a.escalationId, toDecision(a.decision), now(), dry));
  command(pauseUpdate, (a, dry) =>
    a.stepId ? engine.pauseStep(a.stepId, a.reason ?? '', a.by, now(), dry) : engine.pauseTrajectory(a.reason ?? '', a.by, now(), dry),
  );
  command(resumeUpdate, (a, dry) => (a.stepId ? engine.resumeStep(a.stepId, a.by, now(), dry) : engine.resumeTrajectory(a.by, now(), dry)));
  command(reopenUpdate, (a, dry) => engine.reopen(a.phase, a.reason, a.by, now(), dry));
  command(rescheduleUpdate, (a, dry) => engine.reschedule(a.stepId, parseInstant(a.dueAt, 'dueAt'), a.reason ?? '', a.by, now(), dry));
  update(closeUpdate, {
    validate: ({ reason }) => {
      if (engine.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is already closed');
      if (typeof reason !== 'string' || reason.trim() === '') throw new EngineRejection('InvalidRequest', 'a reason is required');
    },
    apply: ({ reason, closedBy }) => {
      engine.close(reason, closedBy ?? 'unknown', now());
      return current();
    },
  });
}
