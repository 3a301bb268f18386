/**
 * What the engine asks of the outside world, carried out: notifications (webhook and e-mail, each exactly once by
 * id, retried until delivered) and service tasks (activities, cancelled when their token is gone).
 */
import { ActivityFailure, CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { NotificationEnvelope } from '../../activities/cloudevents.js';
import type { ActivityRequest, Notification } from '../engine.js';
import { notificationSummary, serviceTaskSummary } from './details.js';
import { iso } from './view.js';
import type { Run } from './workflow.js';

/** Activities a service task may call: any registered activity, taking and returning JSON. */
type ServiceActivities = Record<string, (input: Record<string, unknown>) => Promise<unknown>>;
const serviceActivities = proxyActivities<ServiceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 hour', maximumAttempts: 20 },
});

/** Notifications are retried until delivered (a receiver down for days still gets each event, once, by id). */
const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // No maximumAttempts: unlimited.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes', nonRetryableErrorTypes: ['WebhookGone'] },
});

/**
 * The directory lookup, as a regular activity: its result is an event in history. (Not a local activity: its result
 * can reach the workflow at another point on replay than it did live, and since the lookup's result moves the
 * workflow's timers, a full replay after a restart failed as non-deterministic; see test/restart.e2e.test.ts.)
 */
const directoryLookups = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** A run's deliveries: {@link Delivery.dispatch} carries out what the engine queued; `busy` while any is in flight. */
export interface Delivery {
  /** Carries out the engine's queued effects (notifications, then service tasks) and cancels tasks whose token is gone. */
  dispatch(): void;
  /** True while a notification or a service task is in flight (the run may not end or continue as new). */
  busy(): boolean;
}

export function delivery(run: Run): Delivery {
  const { engine, input, now } = run;

  // In-flight service task activities, by token: cancelled when their token is gone (phase left, trajectory closed).
  const inFlight = new Map<number, CancellationScope>();
  const runActivity = (request: ActivityRequest) => {
    const scope = new CancellationScope();
    inFlight.set(request.tokenId, scope);
    const activity = serviceActivities[request.activity]!;
    // Summaries (user metadata) make the event history read as a story; not part of what a replay compares.
    const summary = serviceTaskSummary(input, engine.state.phase, request.node, request.activity);
    scope
      .run(() => activity.executeWithOptions({ summary }, [request.input]))
      .then(
        (result) => engine.activityCompleted(request.tokenId, result, now()),
        (err: unknown) => {
          if (engine.awaitsActivity(request.tokenId)) {
            engine.activityFailed(request.tokenId, err instanceof Error ? err.message : String(err), now());
          }
        },
      )
      .finally(() => {
        inFlight.delete(request.tokenId);
        run.wake();
      });
  };

  // Notification deliveries in flight; continue-as-new waits for them, so none is lost.
  let deliveries = 0;
  const deliver = (n: Notification) => {
    const envelope: NotificationEnvelope = {
      id: `${workflowInfo().workflowId}:${n.seq}`,
      type: n.type,
      time: iso(n.at),
      trajectoryId: workflowInfo().workflowId,
      municipality: input.municipality,
      // Professionals' addresses and internal record ids stay out of the event.
      data: Object.fromEntries(Object.entries(n.data).filter(([k]) => k !== 'recipients' && k !== 'recordId')),
    };
    deliveries++;
    const send = async () => {
      // The webhook goes out at once, while the recipients are looked up.
      // Who hears it, by the definition's label of the role (a resolution: of each escalation it resolves).
      const described = (n.data.escalation ? [n.data.escalation] : ((n.data.escalations as unknown[] | undefined) ?? [])) as Array<{ roleName?: string }>;
      const roleName = [...new Set(described.map((e) => e.roleName).filter((r) => r !== undefined))].join(', ') || undefined;
      const webhook = notifications.deliverWebhook.executeWithOptions({ summary: notificationSummary('webhook', n.type) }, [envelope]);
      webhook.catch(() => undefined); // handled below (Promise.allSettled); marked handled while the lookup runs
      let to: string[] = [];
      if (n.type === 'escalation.raised') {
        const e = n.data.escalation as { role: string; organisation: string };
        to = await directoryLookups.resolveRecipients.executeWithOptions({ summary: notificationSummary('recipients', n.type, roleName) }, [
          { municipality: input.municipality, role: e.role, organisation: e.organisation },
        ]);
        engine.recordRecipients(n.data.recordId as string, to, now());
        run.wake(); // a follow-up notice may be queued
      } else if (n.type === 'escalation.resolved') {
        to = (n.data.recipients as string[] | undefined) ?? [];
      }
      // Each channel settles on its own: an e-mail nobody can receive does not end the run while its webhook retries.
      const channels = await Promise.allSettled([webhook, to.length ? notifications.sendEmail.executeWithOptions({ summary: notificationSummary('email', n.type, roleName) }, [{ envelope, to }]) : undefined]);
      for (const channel of channels) if (channel.status === 'rejected') refused(channel.reason);
    };
    // Retried without end; only a non-retryable refusal (410 Gone, an e-mail nobody can receive) gets here: kept as an incident.
    const refused = (err: unknown) => {
      // An activity's failure says only "Activity task failed"; its cause says why (410 Gone, refused recipients).
      const reason = err instanceof ActivityFailure && err.cause ? err.cause : err;
      engine.state.incidents.push({ at: now(), node: `notification:${envelope.id}`, message: reason instanceof Error ? reason.message : String(reason) });
    };
    send()
      .catch(refused)
      .finally(() => {
        deliveries--;
        run.wake();
      });
  };

  return {
    dispatch() {
      for (const effect of engine.takeEffects()) {
        switch (effect.kind) {
          case 'notification':
            deliver(effect.notification);
            break;
          case 'activity':
            runActivity(effect.request);
            break;
          default:
            effect satisfies never;
        }
      }
      for (const [tokenId, scope] of inFlight) if (!engine.awaitsActivity(tokenId)) scope.cancel();
    },
    busy: () => inFlight.size > 0 || deliveries > 0,
  };
}
