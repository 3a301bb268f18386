/**
 * Dutch working-day calendar and Europe/Amsterdam wall-clock arithmetic for deadlines.
 *
 * This module runs inside Temporal's deterministic workflow sandbox, so it is pure: it imports nothing, never reads
 * the clock (`Date.now()`, `new Date()`), uses no `Intl` or timezone database and no randomness. Instants are epoch
 * milliseconds (UTC, as numbers); local dates are `YYYY-MM-DD` strings in Europe/Amsterdam. All date arithmetic is
 * done on integer day numbers (days since 1970-01-01) in the proleptic Gregorian calendar.
 *
 * The Amsterdam offset follows the current EU rule (CET, UTC+1; CEST, UTC+2 from the last Sunday of March 01:00 UTC
 * until the last Sunday of October 01:00 UTC), applied to every year: instants before 1996 (when the EU rule took
 * effect) are therefore not historically exact, which does not matter for deadlines computed from now on.
 */

/** Milliseconds in one minute. */
const MS_PER_MINUTE = 60_000;
/** Milliseconds in one hour. */
const MS_PER_HOUR = 3_600_000;
/** Milliseconds in one (UTC, 24-hour) day. */
const MS_PER_DAY = 86_400_000;
/** Minutes in one day. */
const MINUTES_PER_DAY = 1_440;
/** Offset of CET (winter time) from UTC, in minutes. */
const CET_MINUTES = 60;
/** Offset of CEST (summer time) from UTC, in minutes. */
const CEST_MINUTES = 120;
/** Largest magnitude of an epoch-millisecond value that a JavaScript `Date` can hold. */
const MAX_EPOCH_MS = 8.64e15;
/** First year for which holidays are computed (the Gregorian Easter algorithm applies from 1583). */
const MIN_HOLIDAY_YEAR = 1583;
/** First year a local date string may have. */
const MIN_DATE_YEAR = 1;
/** Last year a local date string may have (four digits). */
const MAX_YEAR = 9999;

/** Options shaping which days count as working days. */
export interface CalendarOptions {
  /**
   * Also treat Goede Vrijdag (Good Friday, Easter Sunday − 2 days) as a holiday. It is not in the Algemene
   * termijnenwet, but many organisations close on it. Default: `false`.
   */
  goodFriday?: boolean;
  /**
   * Extra non-working local dates (Europe/Amsterdam) as `YYYY-MM-DD`, e.g. a municipality's closing days
   * ("brugdagen"). Each entry must be a valid calendar date, otherwise the functions taking these options throw a
   * `RangeError`. Default: none (`[]`).
   */
  extraClosedDays?: readonly string[];
}

/** An ISO 8601 duration split into its components; every component is a non-negative number (0 when absent). */
export interface IsoDuration {
  /** Calendar years (integer). */
  years: number;
  /** Calendar months (integer). */
  months: number;
  /** Weeks of 7 calendar days (integer). */
  weeks: number;
  /** Calendar days (integer). */
  days: number;
  /** Hours of elapsed time (integer). */
  hours: number;
  /** Minutes of elapsed time (integer). */
  minutes: number;
  /** Seconds of elapsed time; may have a decimal fraction. */
  seconds: number;
}

/** A Europe/Amsterdam wall-clock reading of an instant. */
export interface AmsterdamLocal {
  /** Local calendar date, `YYYY-MM-DD`. */
  date: string;
  /** Local minutes since midnight, 0–1439. */
  minutesOfDay: number;
  /** Milliseconds within the local minute, 0–59999 (seconds × 1000 + milliseconds). */
  ms: number;
}

interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Floor-modulo: result has the sign of the divisor. */
function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Proleptic Gregorian date of a day number (days since 1970-01-01; Howard Hinnant's civil_from_days). */
function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day of the week of a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
function weekday(days: number): number {
  return mod(days + 4, 7);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Formats a day number as `YYYY-MM-DD`; throws a RangeError outside years 0001–9999. */
function formatDays(days: number): string {
  const { year, month, day } = civilFromDays(days);
  if (year < MIN_DATE_YEAR || year > MAX_YEAR) {
    throw new RangeError(`Date outside the supported years ${MIN_DATE_YEAR}–${MAX_YEAR}: year ${year}`);
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a strict `YYYY-MM-DD` local date (years 0001–9999) into its day number; throws a RangeError otherwise. */
function parseDays(date: string): number {
  const match = typeof date === 'string' ? DATE_PATTERN.exec(date) : null;
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    if (year >= MIN_DATE_YEAR && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) {
      return daysFromCivil(year, month, day);
    }
  }
  throw new RangeError(`Not a valid local date YYYY-MM-DD: ${JSON.stringify(date)}`);
}

function assertEpochMs(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_EPOCH_MS) {
    throw new RangeError(`${name} must be a finite epoch-millisecond number, got ${String(value)}`);
  }
}

/**
 * Easter Sunday of a Gregorian year by the anonymous Gregorian (Meeus/Jones/Butcher) algorithm, as a day number.
 */
function easterDays(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return daysFromCivil(year, month, day);
}

/**
 * The Dutch national holidays of a year, plus the optional extra days.
 *
 * Lists the algemeen erkende feestdagen of the Algemene termijnenwet art. 3 (apart from Sundays): Nieuwjaarsdag
 * (1 January), Tweede Paasdag (Easter Monday), Hemelvaartsdag (Easter + 39 days), Tweede Pinksterdag (Easter + 50
 * days), Koningsdag (27 April, or 26 April when the 27th is a Sunday; for years before 2014 Koninginnedag, 30 April, or
 * 29 April when the 30th is a Sunday), Bevrijdingsdag (5 May, every year) and Eerste en Tweede Kerstdag (25 and 26
 * December). Easter Sunday itself and Eerste Pinksterdag are Sundays and therefore not listed. Easter is computed
 * with the anonymous Gregorian (Meeus/Jones/Butcher) algorithm.
 *
 * @param year - Gregorian calendar year, an integer from 1583 to 9999; otherwise a `RangeError` is thrown.
 * @param options - `goodFriday` (default `false`) adds Goede Vrijdag (Easter − 2 days); `extraClosedDays` (default
 *   none) adds those of its `YYYY-MM-DD` dates that fall in `year` (an invalid entry throws a `RangeError`).
 * @returns Local dates (Europe/Amsterdam) as `YYYY-MM-DD`, sorted ascending, without duplicates.
 */
export function dutchHolidays(year: number, options: CalendarOptions = {}): string[] {
  if (!Number.isInteger(year) || year < MIN_HOLIDAY_YEAR || year > MAX_YEAR) {
    throw new RangeError(`year must be an integer from ${MIN_HOLIDAY_YEAR} to ${MAX_YEAR}, got ${String(year)}`);
  }
  const easter = easterDays(year);
  const kingsDay = year >= 2014 ? daysFromCivil(year, 4, 27) : daysFromCivil(year, 4, 30);
  const days = [
    daysFromCivil(year, 1, 1),
    easter + 1,
    easter + 39,
    easter + 50,
    weekday(kingsDay) === 0 ? kingsDay - 1 : kingsDay,
    daysFromCivil(year, 5, 5),
    daysFromCivil(year, 12, 25),
    daysFromCivil(year, 12, 26),
  ];
  if (options.goodFriday === true) days.push(easter - 2);
  const dates = new Set(days.map(formatDays));
  for (const extra of options.extraClosedDays ?? []) {
    const date = formatDays(parseDays(extra));
    if (date.startsWith(`${pad(year, 4)}-`)) dates.add(date);
  }
  return [...dates].sort();
}

/** Day number of the last Sunday of a month. */
function lastSunday(year: number, month: number): number {
  const last = daysFromCivil(year, month, daysInMonth(year, month));
  return last - weekday(last);
}

/**
 * The UTC offset of Europe/Amsterdam at an instant, by the EU rule: CEST (120) from the last Sunday of March 01:00
 * UTC (inclusive) until the last Sunday of October 01:00 UTC (exclusive), CET (60) otherwise. The rule is applied to
 * every year, also those before it took effect (1996).
 *
 * @param epochMs - The instant, in epoch milliseconds (UTC).
 * @returns The offset in minutes east of UTC: 60 (CET) or 120 (CEST).
 */
export function amsterdamOffsetMinutes(epochMs: number): number {
  assertEpochMs(epochMs, 'epochMs');
  const { year } = civilFromDays(Math.floor(epochMs / MS_PER_DAY));
  const start = lastSunday(year, 3) * MS_PER_DAY + MS_PER_HOUR;
  const end = lastSunday(year, 10) * MS_PER_DAY + MS_PER_HOUR;
  return epochMs >= start && epochMs < end ? CEST_MINUTES : CET_MINUTES;
}

/**
 * The Europe/Amsterdam wall-clock reading of an instant.
 *
 * @param epochMs - The instant, in epoch milliseconds (UTC); its local date must fall in years 0001–9999.
 * @returns `date` as `YYYY-MM-DD`, `minutesOfDay` as local minutes since midnight (0–1439) and `ms` as the
 *   milliseconds within that minute (0–59999). The local time of day in ms is `minutesOfDay * 60000 + ms`.
 */
export function toAmsterdamLocal(epochMs: number): AmsterdamLocal {
  const localMs = epochMs + amsterdamOffsetMinutes(epochMs) * MS_PER_MINUTE;
  const days = Math.floor(localMs / MS_PER_DAY);
  const msOfDay = localMs - days * MS_PER_DAY;
  const minutesOfDay = Math.floor(msOfDay / MS_PER_MINUTE);
  return { date: formatDays(days), minutesOfDay, ms: msOfDay - minutesOfDay * MS_PER_MINUTE };
}

/** Instant of a local wall-clock time given as local epoch ms (UTC fields = wall clock); see fromAmsterdamLocal. */
function localMsToEpoch(localMs: number): number {
  const asCest = localMs - CEST_MINUTES * MS_PER_MINUTE;
  const asCet = localMs - CET_MINUTES * MS_PER_MINUTE;
  const cestValid = amsterdamOffsetMinutes(asCest) === CEST_MINUTES;
  // CEST in force, or the October overlap (both valid): the first occurrence, in CEST, the offset before the change.
  if (cestValid) return asCest;
  // CET in force, or the March gap (neither valid): read with CET, the offset before the change.
  return asCet;
}

/**
 * The instant of a Europe/Amsterdam wall-clock time.
 *
 * Wall-clock times at the daylight-saving changes are read with the offset in force just before the change: in the
 * hour skipped in March (02:00–02:59) CET applies, so 02:30 gives 01:30 UTC (= 03:30 CEST); in the hour repeated in
 * October (02:00–02:59) CEST applies, so 02:30 gives the first occurrence, 00:30 UTC. This matches the `compatible`
 * disambiguation of the TC39 Temporal API.
 *
 * @param date - Local date as `YYYY-MM-DD` (years 0001–9999); otherwise a `RangeError` is thrown.
 * @param minutesOfDay - Local minutes since midnight, an integer from 0 to 1439; otherwise a `RangeError` is thrown.
 * @param ms - Milliseconds within that minute, from 0 up to (not including) 60000. Default: 0.
 * @returns The instant in epoch milliseconds (UTC).
 */
export function fromAmsterdamLocal(date: string, minutesOfDay: number, ms = 0): number {
  const days = parseDays(date);
  if (!Number.isInteger(minutesOfDay) || minutesOfDay < 0 || minutesOfDay >= MINUTES_PER_DAY) {
    throw new RangeError(`minutesOfDay must be an integer from 0 to 1439, got ${String(minutesOfDay)}`);
  }
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms >= MS_PER_MINUTE) {
    throw new RangeError(`ms must be a number from 0 up to 60000, got ${String(ms)}`);
  }
  return localMsToEpoch(days * MS_PER_DAY + minutesOfDay * MS_PER_MINUTE + ms);
}

/** Holiday lookup that computes each year's holiday set once; validates the options up front. */
function workingDayTest(options: CalendarOptions): (days: number) => boolean {
  for (const extra of options.extraClosedDays ?? []) parseDays(extra);
  const byYear = new Map<number, Set<string>>();
  return (days) => {
    const dow = weekday(days);
    if (dow === 0 || dow === 6) return false;
    const date = formatDays(days);
    const { year } = civilFromDays(days);
    let holidays = byYear.get(year);
    if (!holidays) {
      holidays = new Set(dutchHolidays(year, options));
      byYear.set(year, holidays);
    }
    return !holidays.has(date);
  };
}

/**
 * Whether a local date is a working day: Monday to Friday and not a holiday of {@link dutchHolidays} (with the same
 * options).
 *
 * @param date - Local date (Europe/Amsterdam) as `YYYY-MM-DD`, in years 1583–9999; otherwise a `RangeError` is thrown.
 * @param options - `goodFriday` (default `false`) and `extraClosedDays` (default none); see {@link CalendarOptions}.
 * @returns `true` for a working day.
 */
export function isWorkingDay(date: string, options: CalendarOptions = {}): boolean {
  return workingDayTest(options)(parseDays(date));
}

/**
 * The instant `n` working days after `startMs`, at the same Europe/Amsterdam wall-clock time.
 *
 * Counts day by day from the day after the start's local date; each working day ({@link isWorkingDay}) counts one;
 * the result lies on the local date where the count reaches `n`. The start's own date never counts, whether or not
 * it is a working day (so from a Saturday, 1 working day is the Monday). Working days are never DST-change days
 * (those are Sundays), so the wall-clock time always exists exactly once on the result date.
 *
 * @param startMs - Start instant in epoch milliseconds (UTC).
 * @param n - Number of working days, a non-negative integer; otherwise a `RangeError` is thrown. `0` returns
 *   `startMs` unchanged.
 * @param options - `goodFriday` (default `false`) and `extraClosedDays` (default none); see {@link CalendarOptions}.
 * @returns The resulting instant in epoch milliseconds (UTC).
 */
export function addWorkingDays(startMs: number, n: number, options: CalendarOptions = {}): number {
  assertEpochMs(startMs, 'startMs');
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`n must be a non-negative integer, got ${String(n)}`);
  }
  if (n === 0) return startMs;
  const isWorking = workingDayTest(options);
  const start = toAmsterdamLocal(startMs);
  let days = parseDays(start.date);
  let counted = 0;
  while (counted < n) {
    days += 1;
    if (isWorking(days)) counted += 1;
  }
  return fromAmsterdamLocal(formatDays(days), start.minutesOfDay, start.ms);
}

/**
 * The number of working days ({@link isWorkingDay}) whose local date is strictly after the local date of `fromMs` and
 * on or before the local date of `toMs` (Europe/Amsterdam). Returns 0 when `toMs <= fromMs`. Consistent with
 * {@link addWorkingDays}: `workingDaysBetween(s, addWorkingDays(s, n)) === n` for every n ≥ 0.
 *
 * @param fromMs - Start instant in epoch milliseconds (UTC).
 * @param toMs - End instant in epoch milliseconds (UTC).
 * @param options - `goodFriday` (default `false`) and `extraClosedDays` (default none); see {@link CalendarOptions}.
 * @returns A non-negative integer count of working days.
 */
export function workingDaysBetween(fromMs: number, toMs: number, options: CalendarOptions = {}): number {
  assertEpochMs(fromMs, 'fromMs');
  assertEpochMs(toMs, 'toMs');
  const isWorking = workingDayTest(options);
  if (toMs <= fromMs) return 0;
  const first = parseDays(toAmsterdamLocal(fromMs).date) + 1;
  const last = parseDays(toAmsterdamLocal(toMs).date);
  let count = 0;
  for (let days = first; days <= last; days += 1) {
    if (isWorking(days)) count += 1;
  }
  return count;
}

/** How long something has stood still past its due date, in whole Europe/Amsterdam days. */
export interface Overdue {
  /**
   * Calendar days: the number of local dates (Europe/Amsterdam) after the due instant's date, up to and including the
   * date of the instant looked at. A non-negative integer; 0 up to and on the due date itself.
   */
  overdueDays: number;
  /**
   * Of those days, the working days ({@link isWorkingDay}: weekends, national holidays, and Goede Vrijdag and the extra
   * closed days of the calendar given, excluded). A non-negative integer, at most `overdueDays`.
   */
  overdueWorkingDays: number;
}

/**
 * How long something due at `dueAtMs` has stood still at `atMs`, with a definition's calendar: the one answer to that
 * question. The engine puts it in an escalation's notification (for the instant its level fell due), the e-mail renders
 * the engine's numbers, and the escalation inbox gives it for the time of the request, each with the calendar of the
 * trajectory's definition. Both counts are of Amsterdam dates, so a level due 5 working days after the due date, at the
 * same time of day, says 5 working days whatever the clock change.
 *
 * @param dueAtMs - The due instant, in epoch milliseconds (UTC).
 * @param atMs - The instant looked at, in epoch milliseconds (UTC); at or before `dueAtMs` gives 0 and 0. Past it,
 *   both instants must be finite epoch-millisecond numbers, otherwise a `RangeError` is thrown.
 * @param options - `goodFriday` (default `false`) and `extraClosedDays` (default none); see {@link CalendarOptions}.
 * @returns `overdueDays` (calendar days) and `overdueWorkingDays` (working days), both whole days.
 */
export function overdue(dueAtMs: number, atMs: number, options: CalendarOptions = {}): Overdue {
  if (!(atMs > dueAtMs)) return { overdueDays: 0, overdueWorkingDays: 0 };
  const date = (ms: number) => parseDays(toAmsterdamLocal(ms).date);
  return { overdueDays: date(atMs) - date(dueAtMs), overdueWorkingDays: workingDaysBetween(dueAtMs, atMs, options) };
}

const DURATION_PATTERN =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/**
 * Parses a strict ISO 8601 duration `PnYnMnWnDTnHnMnS`.
 *
 * Any subset of the components may appear, in this order, but at least one; `T` must be followed by at least one
 * time component; every value is a non-negative integer of decimal digits, except seconds, which may carry a decimal
 * fraction (`.` or `,` as separator, e.g. `PT1.5S`). Letters must be upper case and no sign or white space is allowed.
 * Values beyond `Number.MAX_SAFE_INTEGER` are rejected.
 *
 * @param text - The duration text, e.g. `P1M`, `P10D`, `PT36H`, `P1DT12H`.
 * @returns The components (0 when absent; years/months/weeks/days calendar units, hours/minutes/seconds elapsed
 *   time), or `null` when `text` is not such a duration (e.g. `P`, `PT`, `5D`, `P-1D`, `P1.5D`, `""`).
 */
export function parseIsoDuration(text: string): IsoDuration | null {
  if (typeof text !== 'string') return null;
  const match = DURATION_PATTERN.exec(text);
  if (!match) return null;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return null;
  if (text.includes('T') && parts.slice(4).every((part) => part === undefined)) return null;
  const values = parts.map((part) => (part === undefined ? 0 : Number(part.replace(',', '.'))));
  const wholeOk = values.slice(0, 6).every((value) => Number.isSafeInteger(value));
  const secondsOk = (values[6] ?? 0) <= Number.MAX_SAFE_INTEGER;
  if (!wholeOk || !secondsOk) return null;
  const [years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = values;
  return { years, months, weeks, days, hours, minutes, seconds };
}

function assertDuration(duration: IsoDuration): void {
  const fields = ['years', 'months', 'weeks', 'days', 'hours', 'minutes'] as const;
  for (const field of fields) {
    const value = duration[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Duration ${field} must be a non-negative integer, got ${String(value)}`);
    }
  }
  if (typeof duration.seconds !== 'number' || !Number.isFinite(duration.seconds) || duration.seconds < 0) {
    throw new RangeError(`Duration seconds must be a non-negative finite number, got ${String(duration.seconds)}`);
  }
}

/**
 * Adds an ISO 8601 duration to an instant, the way a Dutch deadline reads it.
 *
 * First the calendar part is added in Europe/Amsterdam wall-clock time: years and months together (the day of month
 * is clamped to the last day of the target month, so 31 January + P1M is 28 or 29 February and 29 February + P1Y is
 * 28 February), then weeks (7 days each) and days; the wall-clock time of day is kept, so P1D across a DST change is
 * 23 or 25 hours of elapsed time. A wall-clock time that does not exist or is ambiguous on the target date is read as
 * in {@link fromAmsterdamLocal} (offset in force just before the change). When the calendar part is zero the start
 * instant is used as is. Then hours, minutes and seconds are added as exact elapsed time (PT24H is always 24 hours);
 * fractional seconds are rounded to the nearest millisecond.
 *
 * @param startMs - Start instant in epoch milliseconds (UTC).
 * @param duration - An ISO 8601 duration text (see {@link parseIsoDuration}) or its parsed components. An invalid
 *   text, or components that are negative, non-integer (except seconds) or not finite, throw a `RangeError`.
 * @returns The resulting instant in epoch milliseconds (UTC).
 */
export function addIsoDuration(startMs: number, duration: string | IsoDuration): number {
  assertEpochMs(startMs, 'startMs');
  let parsed: IsoDuration;
  if (typeof duration === 'string') {
    const result = parseIsoDuration(duration);
    if (!result) throw new RangeError(`Not a valid ISO 8601 duration: ${JSON.stringify(duration)}`);
    parsed = result;
  } else {
    assertDuration(duration);
    parsed = duration;
  }
  let instant = startMs;
  const { years, months, weeks, days } = parsed;
  if (years !== 0 || months !== 0 || weeks !== 0 || days !== 0) {
    const local = toAmsterdamLocal(startMs);
    const start = civilFromDays(parseDays(local.date));
    const monthIndex = start.year * 12 + (start.month - 1) + years * 12 + months;
    const year = Math.floor(monthIndex / 12);
    const month = monthIndex - year * 12 + 1;
    if (year > MAX_YEAR) throw new RangeError(`Result outside the supported years ${MIN_DATE_YEAR}–${MAX_YEAR}`);
    const day = Math.min(start.day, daysInMonth(year, month));
    const target = daysFromCivil(year, month, day) + weeks * 7 + days;
    instant = fromAmsterdamLocal(formatDays(target), local.minutesOfDay, local.ms);
  }
  const elapsedMs = parsed.hours * MS_PER_HOUR + parsed.minutes * MS_PER_MINUTE + Math.round(parsed.seconds * 1000);
  const result = instant + elapsedMs;
  assertEpochMs(result, 'Result');
  return result;
}
