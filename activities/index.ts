/**
 * Activities: everything that touches the outside world (notifications, the directory, the case system).
 *
 * Built by a factory with injected dependencies, as the Temporal samples do, so tests hand in real local servers
 * (an SMTP server, an HTTP receiver) and production hands in configured clients. Workflows import only the *type*
 * `Activities` and proxy it.
 */

/** Dependencies the activities need. Grows with the notification channels (issue #4). */
export type ActivityDeps = Record<string, never>;

/** Creates the activity implementations the worker registers. The trajectory workflow calls none yet. */
export function createActivities(_deps: ActivityDeps = {}) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;

/** Names a definition's service tasks may call (checked by the validator). */
export const ACTIVITY_NAMES: readonly string[] = Object.keys(createActivities());
