/**
 * Activities: everything that touches the outside world (the directory, webhooks, e-mail).
 *
 * Built by a factory with injected dependencies, as the Temporal samples do, so tests hand in real local servers
 * (an SMTP server, an HTTP receiver) and production hands in its configuration. Workflows import only the *type*
 * `Activities` and proxy it.
 */
import { Context } from '@temporalio/activity';
import type { NotificationEnvelope } from './cloudevents.js';
import { fallbackRecipient, resolveRecipients as lookUp, type Directory, type RecipientQuery } from './directory.js';
import { createEmailSender, type EmailConfig } from './email.js';
import { createWebhookDelivery, type WebhookConfig } from './webhook.js';

/** Dependencies the activities need; a channel without configuration is off (its activity does nothing). */
export interface ActivityDeps {
  /** Who holds which role; without it nobody is e-mailed. */
  directory?: Directory;
  webhook?: WebhookConfig;
  email?: EmailConfig;
  /** Counts escalations raised, once per event (e.g. the Prometheus counter of runtime/metrics.ts). */
  escalationsRaised?: { inc(labels: { level: string; municipality: string }): void };
}

/** Creates the activity implementations the worker registers. */
export function createActivities(deps: ActivityDeps = {}) {
  const webhook = createWebhookDelivery(deps.webhook);
  return {
    /** Who hears an escalation, from the directory. */
    async resolveRecipients(query: RecipientQuery): Promise<string[]> {
      return lookUp(deps.directory, query);
    },
    /** Sends the event to the webhook receiver (if configured); counts a raised escalation on the first attempt. */
    async deliverWebhook(envelope: NotificationEnvelope): Promise<{ delivered: boolean; status?: number }> {
      if (envelope.type === 'escalation.raised' && Context.current().info.attempt === 1) {
        const level = (envelope.data.escalation as { level?: number } | undefined)?.level;
        deps.escalationsRaised?.inc({ level: String(level ?? 'unknown'), municipality: envelope.municipality });
      }
      return webhook(envelope);
    },
    /** E-mails the resolved recipients; a message none of whose recipients is an address goes to the fallback. */
    sendEmail: createEmailSender(deps.email, (municipality) => fallbackRecipient(deps.directory, municipality)),
  };
}

export type Activities = ReturnType<typeof createActivities>;

export { ACTIVITY_NAMES } from './names.js';
