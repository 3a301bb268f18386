/**
 * What a raw history holds, read as someone with the database (or a codec-less client) would: its bytes, and every
 * payload in it, for the encryption proofs (test/encryption*.test.ts).
 */
import { temporal } from '@temporalio/proto';
import type { Payload } from '@temporalio/common';

/** A history's protobuf bytes as text: every string the server stores for it appears here verbatim if plain. */
export function rawText(history: temporal.api.history.v1.IHistory): string {
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
}

/**
 * Every payload in a message (history events, describe or list answers), except those the codec never sees: search
 * attributes', and the patch markers the SDK's core records for `patched()` (a revision's id, e.g.
 * `{"id":"operator-search-attributes-v1","deprecated":false}`).
 */
export function payloadsIn(message: unknown): Payload[] {
  const found: Payload[] = [];
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    if (Array.isArray(value)) return value.forEach(walk);
    const record = value as Record<string, unknown>;
    if (record.markerName === 'core_patch') return;
    if (record.data instanceof Uint8Array && record.metadata && typeof record.metadata === 'object') {
      found.push(record as Payload);
      return;
    }
    for (const [key, child] of Object.entries(record)) if (key !== 'searchAttributes') walk(child);
  };
  walk(message);
  return found;
}

/** A payload's metadata as text. */
export function metadataOf(payload: Payload): Record<string, string> {
  return Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('utf8')]));
}
