/**
 * Notifications as CloudEvents following the NL GOV profile for CloudEvents: specversion 1.0, an `id` unique per
 * event and kept across retries, a `source` URN, a reverse-DNS `type`, `subject` = the trajectory id, and no
 * personal data in any attribute or in `data` (ids, roles, organisations and the definition's own labels only).
 */
import { publicId } from '../definitions/ids.js';
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
 * A role id and the definition's label of it (`role` and `roleName`, `organisation` and `organisationName`): the label
 * only with a role id, so nothing passes under a name that did not come with one.
 */
function roleWithName(e: Record<string, unknown>, field: 'role' | 'organisation'): Record<string, unknown> {
  const id = roleIdOrNull(e[field]);
  const name = e[`${field}Name`];
  return { [field]: id, ...(`${field}Name` in e ? { [`${field}Name`]: id !== null && typeof name === 'string' ? name : null } : {}) };
}

/** An escalation's `id` and `stepId` in the API's spelling (definitions/ids.ts), whichever spelling the event has. */
function withPublicIds(e: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(typeof e.id === 'string' ? { id: publicId(e.id) } : {}),
    ...(typeof e.stepId === 'string' ? { stepId: publicId(e.stepId) } : {}),
  };
}

/**
 * The event's data with its owner, roles and organisations kept to role ids (with the definition's labels of them),
 * and escalation ids in the API's spelling, so a receiver can use them in an API path. The engine only sends ids of
 * roles the definition knows, spelled so; this guards the boundary for events a workflow scheduled before owners were
 * checked, or before ids were spelled so.
 */
function withRoleIds(data: Record<string, unknown>): Record<string, unknown> {
  const escalation = (e: unknown) =>
    typeof e === 'object' && e !== null
      ? {
          ...e,
          ...withPublicIds(e as Record<string, unknown>),
          ...roleWithName(e as Record<string, unknown>, 'role'),
          ...roleWithName(e as Record<string, unknown>, 'organisation'),
        }
      : e;
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
