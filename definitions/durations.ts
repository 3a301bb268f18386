/**
 * Deadlines from definition durations: ISO 8601 in Europe/Amsterdam calendar time, or Dutch working days.
 * Pure and deterministic: workflows compute their timers with it.
 */
import { addIsoDuration, addWorkingDays, fromAmsterdamLocal, parseIsoDuration, type CalendarOptions } from './calendar.js';
import type { Duration } from './schema.js';

/** The instant `duration` after `startMs` (epoch ms). Throws RangeError on an invalid ISO duration. */
export function addDuration(startMs: number, duration: Duration, calendar: CalendarOptions = {}): number {
  if (typeof duration === 'string') return addIsoDuration(startMs, duration);
  return addWorkingDays(startMs, duration.workingDays, calendar);
}

/** The instant `duration` × `times` after `startMs`: the `times`-th tick of a cycle. */
export function addDurationTimes(startMs: number, duration: Duration, times: number, calendar: CalendarOptions = {}): number {
  if (typeof duration === 'string') {
    const d = parseIsoDuration(duration);
    if (!d) throw new RangeError(`invalid ISO 8601 duration "${duration}"`);
    return addIsoDuration(startMs, {
      years: d.years * times,
      months: d.months * times,
      weeks: d.weeks * times,
      days: d.days * times,
      hours: d.hours * times,
      minutes: d.minutes * times,
      seconds: d.seconds * times,
    });
  }
  return addWorkingDays(startMs, duration.workingDays * times, calendar);
}

/**
 * The instant a FEEL date value stands for, independent of the machine's time zone:
 * - a date `YYYY-MM-DD`: the end of that day in Amsterdam (00:00 the next day), so "due 3 March" means "by the end
 *   of 3 March";
 * - a date-time with `Z` or an offset: that instant;
 * - a date-time without a zone, or with `@Europe/Amsterdam`: Amsterdam wall-clock time.
 * Undefined for anything else (other zones, unparseable text).
 */
export function instantOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly) {
    const next = new Date(Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]) + 1));
    return fromAmsterdamLocal(next.toISOString().slice(0, 10), 0);
  }
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:\d{2}|@Europe\/Amsterdam)?$/.exec(value);
  if (!m) return undefined;
  const [, date, hh, mm, ss, frac, zone] = m;
  if (zone === undefined || zone === '@Europe/Amsterdam') {
    const ms = Number(ss ?? 0) * 1000 + Number((frac ?? '0').padEnd(3, '0'));
    try {
      return fromAmsterdamLocal(date!, Number(hh) * 60 + Number(mm), ms);
    } catch {
      return undefined;
    }
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
