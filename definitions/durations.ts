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
 * The instant a FEEL date value stands for: a date-time string as given; a date `YYYY-MM-DD` as the end of that day
 * in Amsterdam (00:00 the next day), so "due on 3 March" means "by the end of 3 March". Undefined when unparseable.
 */
export function instantOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly) {
    const next = new Date(Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]) + 1));
    return fromAmsterdamLocal(next.toISOString().slice(0, 10), 0);
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
