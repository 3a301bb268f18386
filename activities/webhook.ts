/**
 * Webhook delivery signed as the Standard Webhooks specification describes: headers `webhook-id` (the event id, the
 * same on every retry), `webhook-timestamp` (seconds, per attempt) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the base64 secret after `whsec_`).
 * A receiver that answers anything but 2xx, or cannot be reached, gets the event again with backoff.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { toCloudEvent, type NotificationEnvelope } from './cloudevents.js';

/** Where webhooks go. */
export interface WebhookConfig {
  /** Receiver URL. */
  url: string;
  /** Signing secret, `whsec_<base64>` (Standard Webhooks). */
  secret: string;
  /** CloudEvent `source` URN; default `urn:nld:gemeente:<municipality>:waakvlam`. */
  source?: string;
  /** Request timeout in milliseconds. Default 10 000. */
  timeoutMs?: number;
}

function secretBytes(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new Error('the webhook secret must look like whsec_<base64>');
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}

/** The `webhook-signature` header value for a message. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * What a receiver does: checks the signature (any of the space-separated `v1,` signatures) and that the timestamp
 * is within `toleranceSeconds` (default 300) of `nowSeconds`.
 */
export function verifyWebhook(
  secret: string,
  headers: { 'webhook-id'?: string; 'webhook-timestamp'?: string; 'webhook-signature'?: string },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  const signatures = headers['webhook-signature'];
  if (!id || !Number.isInteger(timestamp) || !signatures) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, timestamp, body));
  return signatures.split(' ').some((s) => {
    const given = Buffer.from(s);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The `deliverWebhook` activity for a configuration; `undefined` config means webhooks are off. */
export function createWebhookDelivery(config: WebhookConfig | undefined) {
  return async function deliverWebhook(envelope: NotificationEnvelope): Promise<{ delivered: boolean; status?: number }> {
    if (!config) return { delivered: false };
    const body = JSON.stringify(toCloudEvent(envelope, config.source));
    const timestamp = Math.floor(Date.now() / 1000);
    let res: Response;
    try {
      res = await fetch(config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/cloudevents+json',
          'webhook-id': envelope.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(config.secret, envelope.id, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
      });
    } catch (err) {
      // Unreachable receiver: retried with backoff.
      throw new Error(`webhook receiver unreachable: ${(err as Error).message}`, { cause: err });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { delivered: true, status: res.status };
    if (res.status === 410) {
      // Standard Webhooks: 410 Gone means the endpoint is retired; retrying would not help.
      throw ApplicationFailure.nonRetryable(`webhook receiver answered 410 Gone for ${envelope.id}`, 'WebhookGone');
    }
    throw new Error(`webhook receiver answered ${res.status} for ${envelope.id}`);
  };
}
