/**
 * Registers the engine's search attributes on a namespace, so they work on any Temporal server, not only on the
 * embedded dev server (which gets them as start-up flags). Idempotent: existing attributes are left alone.
 */
import type { Connection } from '@temporalio/client';
import proto, { type temporal as protoTypes } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

// @temporalio/proto is CommonJS: its namespaces are reached through the default export at run time.
const { temporal } = proto;
type IndexedValueType = protoTypes.api.enums.v1.IndexedValueType;

const INDEXED_VALUE_TYPE: Record<string, IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** `--search-attribute NAME=Type` values for `temporal server start-dev`. */
export function devServerSearchAttributeFlags(): string[] {
  const cliType: Record<string, string> = {
    KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList',
  };
  return ALL_SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}

/** gRPC status codes this module reacts to. */
const GRPC_ALREADY_EXISTS = 6;
const GRPC_UNIMPLEMENTED = 12;

/**
 * Adds the engine's search attributes that the namespace lacks. Returns the names it added. Servers without
 * `ListSearchAttributes` (the time-skipping test server) get each attribute added, ignoring "already exists".
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let known: Set<string>;
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  } catch (err) {
    if ((err as { code?: number }).code !== GRPC_UNIMPLEMENTED) throw err;
    known = new Set();
  }
  const added: string[] = [];
  for (const key of ALL_SEARCH_ATTRIBUTES.filter((k) => !known.has(k.name))) {
    try {
      await connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: { [key.name]: INDEXED_VALUE_TYPE[key.type]! },
      });
      added.push(key.name);
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
    }
  }
  return added;
}
