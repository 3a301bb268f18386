/**
 * Bounds on JSON that a client sends: how deep it nests, how many entries an object or array holds, how long its
 * strings and keys are, and no `__proto__` key (JSON.parse keeps it as an own property, but copying the object
 * drops it silently, so it would be stored as if it had not been sent). Deep nesting is refused before it reaches
 * Temporal, whose payload conversion fails on it (a 500 before these bounds).
 */

/** Limits of a JSON value; each applies at every level. */
export interface JsonLimits {
  /** Nesting levels: `{}` and `[]` at the top are level 1, their objects and arrays level 2, and so on. */
  depth: number;
  /** Entries of one object (keys) or array (elements). */
  entries: number;
  /** Characters of one string value. */
  stringLength: number;
  /** Characters of one key. */
  keyLength: number;
}

/** Free-form data from the case system: trajectory data at start, a step's output, an event's payload. */
export const FREE_FORM_LIMITS: JsonLimits = { depth: 16, entries: 1000, stringLength: 10_000, keyLength: 128 };

/** Any request body (definitions included, up to 1 MB): generous, but bounded. */
export const BODY_LIMITS: JsonLimits = { depth: 64, entries: 100_000, stringLength: 100_000, keyLength: 256 };

export interface JsonProblem {
  /** Keys and indices from the value's root. */
  path: Array<string | number>;
  message: string;
}

/** Every way `value` exceeds `limits` (at most 20: the first ones found), with the path to each. */
export function jsonProblems(value: unknown, limits: JsonLimits): JsonProblem[] {
  const problems: JsonProblem[] = [];
  // One path, pushed and popped as the walk goes; copied only into a problem.
  const path: Array<string | number> = [];
  const problem = (message: string, last?: string) => problems.push({ path: last === undefined ? [...path] : [...path, last], message });
  const walk = (v: unknown, depth: number): void => {
    if (problems.length >= 20) return;
    if (typeof v === 'string') {
      if (v.length > limits.stringLength) problem(`a string may have at most ${limits.stringLength} characters`);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth > limits.depth) {
      problem(`nested too deeply: at most ${limits.depth} levels of objects and arrays`);
      return;
    }
    if (Array.isArray(v)) {
      if (v.length > limits.entries) problem(`an array may have at most ${limits.entries} elements`);
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i], depth + 1);
        path.pop();
      }
      return;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.entries) problem(`an object may have at most ${limits.entries} keys`);
    for (const key of keys) {
      if (key === '__proto__') problem('the key "__proto__" is not allowed', key);
      else if (key.length > limits.keyLength) problem(`a key may have at most ${limits.keyLength} characters`, `${key.slice(0, 32)}…`);
      path.push(key);
      walk((v as Record<string, unknown>)[key], depth + 1);
      path.pop();
    }
  };
  walk(value, 1);
  return problems;
}
