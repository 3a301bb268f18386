/**
 * FEEL evaluation over trajectory data, deterministic (no clock but the caller's), for use inside workflows.
 * Results are converted to plain JSON values: FEEL dates become `YYYY-MM-DD`, date-times ISO strings.
 */
import { evaluate } from 'feelin';

export type FeelContext = Record<string, unknown>;

/** Thrown when an expression cannot be evaluated (syntax error). */
export class FeelError extends Error {
  override name = 'FeelError';
}

function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') {
    const v = value as { iso?: unknown; toString?: () => string };
    if (typeof v.iso === 'string') return v.iso;
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, x]) => [k, toPlain(x)]));
    }
    return String(value);
  }
  return value;
}

/** Evaluates an expression; returns a plain JSON value (null when FEEL yields null). */
export function evalFeel(expression: string, context: FeelContext): unknown {
  try {
    return toPlain(evaluate(expression, context).value);
  } catch (err) {
    throw new FeelError(`cannot evaluate "${expression}": ${(err as Error).message}`);
  }
}

/** Evaluates a condition: true only when FEEL yields exactly `true` (null, false or any other value is false). */
export function evalCondition(expression: string, context: FeelContext): boolean {
  return evalFeel(expression, context) === true;
}
