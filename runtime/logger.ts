/**
 * The process logger: JSON lines on stdout (pino). Log references and ids, never personal data. (The Temporal SDK's
 * own logs join it in a worker process: `installTemporalRuntime` in worker/runtime.ts.)
 */
import { pino, type Logger } from 'pino';

/** Log text without case references: a trajectory id keeps its municipality, the case reference is dropped. */
export function scrub(text: string): string {
  return text.replace(/\b(GM\d{4})-[A-Za-z0-9._-]+/g, '$1-<case>');
}

export function createLogger(level: string, name = 'waakvlam'): Logger {
  return pino({ name, level, base: { service: name } });
}
