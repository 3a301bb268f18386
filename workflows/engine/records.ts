/** Safe access to the state's records, whose keys may come from definitions or data. Pure. */

/**
 * A record's own entry for a key, never one inherited from Object.prototype (`constructor`, `toString`…). The
 * engine's state is plain JSON (it crosses continue-as-new), so its records cannot be Maps; keys that come from
 * definitions or data (node, event and variable names) are read through this and written through {@link setOwn}.
 */
export function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets a record's own entry; for `__proto__` too, which a plain assignment would turn into the record's prototype. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
