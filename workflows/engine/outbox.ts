/**
 * The engine's one outbox: every effect on the outside world (a notification, a service task's activity) is put
 * here by a transition and taken by the workflow. The state keeps its two lists (`outbox`, `pendingActivities`,
 * plain JSON across continue-as-new); this module is the only one that touches them.
 */
import type { Core } from './core.js';
import type { ActivityRequest, Effect, Notification } from './types.js';

/** Queues a notification with the trajectory's next sequence number (its id, stable across retries). */
export function notify(core: Core, type: Notification['type'], now: number, data: Record<string, unknown>): void {
  const seq = ++core.state.notificationSeq;
  core.state.outbox.push({ seq, type, at: now, data });
}

/** Queues a service task's activity. */
export function requestActivity(core: Core, request: ActivityRequest): void {
  core.state.pendingActivities.push(request);
}

/** Drops the queued activity requests (their tokens are gone: the phase was left). */
export function dropActivityRequests(core: Core): void {
  core.state.pendingActivities = [];
}

/** Notifications queued since the last call. */
export function takeNotifications(core: Core): Notification[] {
  const out = core.state.outbox;
  core.state.outbox = [];
  return out;
}

/** Activity requests queued since the last call. */
export function takeActivityRequests(core: Core): ActivityRequest[] {
  const requests = core.state.pendingActivities;
  core.state.pendingActivities = [];
  return requests;
}

/** Every effect queued since the last call, in the order the workflow carries them out: notifications, then activities. */
export function takeEffects(core: Core): Effect[] {
  return [
    ...takeNotifications(core).map((notification): Effect => ({ kind: 'notification', notification })),
    ...takeActivityRequests(core).map((request): Effect => ({ kind: 'activity', request })),
  ];
}
