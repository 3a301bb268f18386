/**
 * Notifications as CloudEvents following the NL GOV profile for CloudEvents: specversion 1.0, an `id` unique per
 * event and kept across retries, a `source` URN, a reverse-DNS `type`, `subject` = the trajectory id, and no
 * personal data in any attribute or in `data` (ids, roles, organisations and the definition's own labels only).
 */
import { Id } from '../definitions/schema.js';

/** What the workflow hands to the notification activities; everything needed to build the same event every retry. */
export interface NotificationEnvelope {
  /** Unique per event and stable across retries: `<trajectory id>:<sequence>`. */
  id: string;
  /** The engine's notification type, e.g. `escalation.raised`. */
  type: string;
  /** ISO 8601 time the event happened (workflow time). */
  time: string;
  /** The trajectory id (municipality code + the case system's pseudonymous case reference). */
  trajectoryId: string;
  municipality: string;
  data: Record<string, unknown>;
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** NL GOV profile extension: the OIN-free municipality code the event concerns. */
  municipality: string;
  data: Record<string, unknown>;
}

/** Prefix of every event type: reverse DNS, as the NL GOV profile asks. */
export const EVENT_TYPE_PREFIX = 'nl.overheid.waakvlam';

/** The value when it has the shape of a definition's role id, else null: never a name or other text from a family's data. */
export function roleIdOrNull(value: unknown): string | null {
  return typeof value === 'string' && Id.safeParse(value).success ? value : null;
}

/**
 * The event's data with its owner, roles and organisations kept to role ids. The engine only sends ids of roles the
 * definition knows; this guards the boundary for events a workflow scheduled before owners were checked.
 */
function withRoleIds(data: Record<string, unknown>): Record<string, unknown> {
  const escalation = (e: unknown) =>
    typeof e === 'object' && e !== null ? { ...e, role: roleIdOrNull((e as { role?: unknown }).role), organisation: roleIdOrNull((e as { organisation?: unknown }).organisation) } : e;
  return {
    ...data,
    ...('owner' in data ? { owner: roleIdOrNull(data.owner) } : {}),
    ...('escalation' in data ? { escalation: escalation(data.escalation) } : {}),
    ...(Array.isArray(data.escalations) ? { escalations: data.escalations.map(escalation) } : {}),
  };
}

/** Builds the CloudEvent for an envelope. `source` is a URN, e.g. `urn:nld:gemeente:GM0363:waakvlam`. */
export function toCloudEvent(envelope: NotificationEnvelope, source?: string): CloudEvent {
  return {
    specversion: '1.0',
    id: envelope.id,
    source: source ?? `urn:nld:gemeente:${envelope.municipality}:waakvlam`,
    type: `${EVENT_TYPE_PREFIX}.${envelope.type}`,
    subject: envelope.trajectoryId,
    time: envelope.time,
    datacontenttype: 'application/json',
    municipality: envelope.municipality,
    data: withRoleIds(envelope.data),
  };
}
