import { describe, expect, it } from 'vitest';
import {
  addIsoDuration,
  addWorkingDays,
  amsterdamOffsetMinutes,
  dutchHolidays,
  fromAmsterdamLocal,
  isWorkingDay,
  parseIsoDuration,
  toAmsterdamLocal,
  workingDaysBetween,
} from '../definitions/calendar.js';

const HOUR = 3_600_000;

/** Epoch ms of a UTC wall-clock time (month 1-based). */
function utc(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute);
}

/** Shorthand: Amsterdam local `YYYY-MM-DD HH:MM` of an instant. */
function local(epochMs: number): string {
  const { date, minutesOfDay } = toAmsterdamLocal(epochMs);
  const hh = String(Math.floor(minutesOfDay / 60)).padStart(2, '0');
  const mm = String(minutesOfDay % 60).padStart(2, '0');
  return `${date} ${hh}:${mm}`;
}

describe('dutchHolidays', () => {
  it('lists 2025: Easter 20 April, Koningsdag on Saturday 26 April because 27 April is a Sunday', () => {
    expect(dutchHolidays(2025)).toEqual([
      '2025-01-01',
      '2025-04-21',
      '2025-04-26',
      '2025-05-05',
      '2025-05-29',
      '2025-06-09',
      '2025-12-25',
      '2025-12-26',
    ]);
  });

  it('lists 2026: Easter 5 April, Goede Vrijdag only with the option', () => {
    const base = [
      '2026-01-01',
      '2026-04-06',
      '2026-04-27',
      '2026-05-05',
      '2026-05-14',
      '2026-05-25',
      '2026-12-25',
      '2026-12-26',
    ];
    expect(dutchHolidays(2026)).toEqual(base);
    expect(dutchHolidays(2026, { goodFriday: false })).toEqual(base);
    expect(dutchHolidays(2026, { goodFriday: true })).toEqual(['2026-01-01', '2026-04-03', ...base.slice(1)]);
    expect(dutchHolidays(2025, { goodFriday: true })).toContain('2025-04-18');
  });

  it('computes Easter Monday for known Easter dates (Meeus/Jones/Butcher)', () => {
    const easterMondays: Record<number, string> = {
      2000: '2000-04-24', // Easter 23 April
      2008: '2008-03-24', // Easter 23 March
      2011: '2011-04-25', // Easter 24 April
      2019: '2019-04-22', // Easter 21 April
      2024: '2024-04-01', // Easter 31 March
      2038: '2038-04-26', // Easter 25 April, the latest possible
      2285: '2285-03-23', // Easter 22 March, the earliest possible
    };
    for (const [year, monday] of Object.entries(easterMondays)) {
      expect(dutchHolidays(Number(year))).toContain(monday);
    }
  });

  it('keeps 5 May and both Christmas days every year, also on weekends', () => {
    for (const year of [2020, 2021, 2022, 2023, 2027, 2030]) {
      const holidays = dutchHolidays(year);
      expect(holidays).toContain(`${year}-05-05`);
      expect(holidays).toContain(`${year}-12-25`);
      expect(holidays).toContain(`${year}-12-26`);
      expect(holidays).toContain(`${year}-01-01`);
      expect(holidays).toHaveLength(8);
    }
  });

  it('uses Koninginnedag before 2014 and Koningsdag from 2014', () => {
    expect(dutchHolidays(2013)).toContain('2013-04-30');
    expect(dutchHolidays(2006)).toContain('2006-04-29'); // 30 April 2006 was a Sunday
    expect(dutchHolidays(2006)).not.toContain('2006-04-30');
    expect(dutchHolidays(2014)).toContain('2014-04-26'); // 27 April 2014 was a Sunday
    expect(dutchHolidays(2014)).not.toContain('2014-04-30');
    expect(dutchHolidays(2027)).toContain('2027-04-27');
  });

  it('adds extraClosedDays of that year only, sorted and without duplicates', () => {
    const options = { extraClosedDays: ['2026-05-15', '2027-01-02', '2026-12-24', '2026-12-25'] };
    const holidays = dutchHolidays(2026, options);
    expect(holidays).toEqual([
      '2026-01-01',
      '2026-04-06',
      '2026-04-27',
      '2026-05-05',
      '2026-05-14',
      '2026-05-15',
      '2026-05-25',
      '2026-12-24',
      '2026-12-25',
      '2026-12-26',
    ]);
    expect(dutchHolidays(2027, options)).toContain('2027-01-02');
    expect(dutchHolidays(2027, options)).not.toContain('2026-05-15');
  });

  it('rejects invalid years and invalid extra dates', () => {
    expect(() => dutchHolidays(2026.5)).toThrow(RangeError);
    expect(() => dutchHolidays(1500)).toThrow(RangeError);
    expect(() => dutchHolidays(2026, { extraClosedDays: ['2026-02-30'] })).toThrow(RangeError);
    expect(() => dutchHolidays(2026, { extraClosedDays: ['15-05-2026'] })).toThrow(RangeError);
  });
});

describe('isWorkingDay', () => {
  it('is Monday to Friday minus holidays', () => {
    expect(isWorkingDay('2026-04-02')).toBe(true); // Thursday
    expect(isWorkingDay('2026-04-03')).toBe(true); // Goede Vrijdag, not a national holiday
    expect(isWorkingDay('2026-04-03', { goodFriday: true })).toBe(false);
    expect(isWorkingDay('2026-04-04')).toBe(false); // Saturday
    expect(isWorkingDay('2026-04-05')).toBe(false); // Sunday
    expect(isWorkingDay('2026-04-06')).toBe(false); // Tweede Paasdag
    expect(isWorkingDay('2026-04-07')).toBe(true);
    expect(isWorkingDay('2026-05-15')).toBe(true);
    expect(isWorkingDay('2026-05-15', { extraClosedDays: ['2026-05-15'] })).toBe(false);
  });

  it('rejects malformed dates', () => {
    expect(() => isWorkingDay('2026-4-7')).toThrow(RangeError);
    expect(() => isWorkingDay('2025-02-29')).toThrow(RangeError);
    expect(() => isWorkingDay('')).toThrow(RangeError);
  });
});

describe('Amsterdam time', () => {
  it('switches to CEST on 29 March 2026 01:00 UTC and back on 25 October 2026 01:00 UTC', () => {
    expect(amsterdamOffsetMinutes(utc(2026, 1, 15, 12))).toBe(60);
    expect(amsterdamOffsetMinutes(utc(2026, 3, 29, 1) - 1)).toBe(60);
    expect(amsterdamOffsetMinutes(utc(2026, 3, 29, 1))).toBe(120);
    expect(amsterdamOffsetMinutes(utc(2026, 7, 1, 12))).toBe(120);
    expect(amsterdamOffsetMinutes(utc(2026, 10, 25, 1) - 1)).toBe(120);
    expect(amsterdamOffsetMinutes(utc(2026, 10, 25, 1))).toBe(60);
    expect(amsterdamOffsetMinutes(utc(2026, 12, 31, 23))).toBe(60);
    // 2025: 30 March and 26 October.
    expect(amsterdamOffsetMinutes(utc(2025, 3, 30, 1) - 1)).toBe(60);
    expect(amsterdamOffsetMinutes(utc(2025, 3, 30, 1))).toBe(120);
    expect(amsterdamOffsetMinutes(utc(2025, 10, 26, 1) - 1)).toBe(120);
    expect(amsterdamOffsetMinutes(utc(2025, 10, 26, 1))).toBe(60);
  });

  it('reads local wall-clock time around both switches', () => {
    expect(local(utc(2026, 3, 29, 1) - 60_000)).toBe('2026-03-29 01:59');
    expect(local(utc(2026, 3, 29, 1))).toBe('2026-03-29 03:00');
    expect(local(utc(2026, 10, 25, 0, 59))).toBe('2026-10-25 02:59');
    expect(local(utc(2026, 10, 25, 1))).toBe('2026-10-25 02:00');
    expect(local(utc(2026, 12, 31, 23, 30))).toBe('2027-01-01 00:30');
    expect(toAmsterdamLocal(utc(2026, 6, 1, 10) + 12_345)).toEqual({ date: '2026-06-01', minutesOfDay: 720, ms: 12_345 });
  });

  it('converts local wall-clock time back to the instant, with the pre-change offset in gap and overlap', () => {
    expect(fromAmsterdamLocal('2026-01-15', 9 * 60)).toBe(utc(2026, 1, 15, 8));
    expect(fromAmsterdamLocal('2026-07-15', 9 * 60, 1_500)).toBe(utc(2026, 7, 15, 7) + 1_500);
    // 02:30 on 29 March does not exist: read as CET, giving 03:30 CEST.
    expect(fromAmsterdamLocal('2026-03-29', 150)).toBe(utc(2026, 3, 29, 1, 30));
    expect(local(fromAmsterdamLocal('2026-03-29', 150))).toBe('2026-03-29 03:30');
    // 02:30 on 25 October occurs twice: the first occurrence, in CEST.
    expect(fromAmsterdamLocal('2026-10-25', 150)).toBe(utc(2026, 10, 25, 0, 30));
    expect(() => fromAmsterdamLocal('2026-01-15', 1440)).toThrow(RangeError);
    expect(() => fromAmsterdamLocal('2026-01-15', -1)).toThrow(RangeError);
    expect(() => fromAmsterdamLocal('2026-01-15', 0, 60_000)).toThrow(RangeError);
    expect(() => fromAmsterdamLocal('2026-13-01', 0)).toThrow(RangeError);
  });

  it('round-trips every quarter hour through 2026', () => {
    for (let t = utc(2026, 1, 1); t < utc(2027, 1, 1); t += 15 * 60_000) {
      const { date, minutesOfDay, ms } = toAmsterdamLocal(t);
      const back = fromAmsterdamLocal(date, minutesOfDay, ms);
      // Only the second pass through the October overlap hour maps to the first occurrence.
      const inSecondOverlap = t >= utc(2026, 10, 25, 1) && t < utc(2026, 10, 25, 2);
      expect(back).toBe(inSecondOverlap ? t - HOUR : t);
    }
  });
});

describe('addWorkingDays', () => {
  it('skips a weekend', () => {
    const friday = fromAmsterdamLocal('2026-01-09', 10 * 60);
    expect(local(addWorkingDays(friday, 1))).toBe('2026-01-12 10:00');
    expect(local(addWorkingDays(friday, 5))).toBe('2026-01-16 10:00');
  });

  it('skips Easter 2026 (Tweede Paasdag 6 April), with or without Goede Vrijdag', () => {
    const friday = fromAmsterdamLocal('2026-04-03', 10 * 60);
    expect(addWorkingDays(friday, 1)).toBe(utc(2026, 4, 7, 8));
    expect(local(addWorkingDays(friday, 1, { goodFriday: true }))).toBe('2026-04-07 10:00');
    const thursday = fromAmsterdamLocal('2026-04-02', 10 * 60);
    expect(local(addWorkingDays(thursday, 1))).toBe('2026-04-03 10:00');
    expect(local(addWorkingDays(thursday, 1, { goodFriday: true }))).toBe('2026-04-07 10:00');
  });

  it('skips Christmas and New Year', () => {
    const start = fromAmsterdamLocal('2026-12-23', 14 * 60);
    expect(local(addWorkingDays(start, 1))).toBe('2026-12-24 14:00');
    expect(local(addWorkingDays(start, 2))).toBe('2026-12-28 14:00');
    expect(local(addWorkingDays(start, 5))).toBe('2026-12-31 14:00');
    expect(local(addWorkingDays(start, 6))).toBe('2027-01-04 14:00');
    expect(local(addWorkingDays(start, 1, { extraClosedDays: ['2026-12-24'] }))).toBe('2026-12-28 14:00');
  });

  it('starts counting the day after a Saturday start', () => {
    const saturday = fromAmsterdamLocal('2026-01-10', 15 * 60 + 30);
    expect(local(addWorkingDays(saturday, 1))).toBe('2026-01-12 15:30');
    expect(local(addWorkingDays(saturday, 5))).toBe('2026-01-16 15:30');
  });

  it('uses the Amsterdam date, not the UTC date, of the start', () => {
    // Friday 00:30 in Amsterdam is still Thursday in UTC.
    const start = fromAmsterdamLocal('2026-01-09', 30);
    expect(new Date(start).getUTCDay()).toBe(4);
    expect(local(addWorkingDays(start, 1))).toBe('2026-01-12 00:30');
  });

  it('returns the start unchanged for n = 0, even on a Saturday', () => {
    const saturday = fromAmsterdamLocal('2026-01-10', 15 * 60) + 1_234;
    expect(addWorkingDays(saturday, 0)).toBe(saturday);
  });

  it('counts 20 working days past Koningsdag, Bevrijdingsdag and Hemelvaart', () => {
    const start = fromAmsterdamLocal('2026-04-20', 9 * 60);
    expect(local(addWorkingDays(start, 20))).toBe('2026-05-21 09:00');
    expect(local(addWorkingDays(start, 20, { goodFriday: true }))).toBe('2026-05-21 09:00');
  });

  it('keeps the wall-clock time across both DST changes', () => {
    const march = fromAmsterdamLocal('2026-03-27', 9 * 60);
    expect(march).toBe(utc(2026, 3, 27, 8));
    expect(addWorkingDays(march, 1)).toBe(utc(2026, 3, 30, 7));
    const october = fromAmsterdamLocal('2026-10-23', 9 * 60);
    expect(october).toBe(utc(2026, 10, 23, 7));
    expect(addWorkingDays(october, 1)).toBe(utc(2026, 10, 26, 8));
  });

  it('rejects a negative, fractional or non-finite n', () => {
    const start = utc(2026, 1, 5, 9);
    expect(() => addWorkingDays(start, -1)).toThrow(RangeError);
    expect(() => addWorkingDays(start, 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays(start, Number.NaN)).toThrow(RangeError);
    expect(() => addWorkingDays(start, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => addWorkingDays(Number.NaN, 1)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts working days after from and up to and including to', () => {
    const friday = fromAmsterdamLocal('2026-04-03', 10 * 60);
    expect(workingDaysBetween(friday, fromAmsterdamLocal('2026-04-06', 10 * 60))).toBe(0);
    expect(workingDaysBetween(friday, fromAmsterdamLocal('2026-04-07', 8 * 60))).toBe(1);
    expect(workingDaysBetween(friday, fromAmsterdamLocal('2026-04-10', 23 * 60))).toBe(4);
  });

  it('is 0 when to is not after from, or on the same local date', () => {
    const start = fromAmsterdamLocal('2026-04-08', 10 * 60);
    expect(workingDaysBetween(start, start)).toBe(0);
    expect(workingDaysBetween(start, start - 5 * 24 * HOUR)).toBe(0);
    expect(workingDaysBetween(start, fromAmsterdamLocal('2026-04-08', 23 * 60 + 59))).toBe(0);
  });

  it('round-trips with addWorkingDays for many n and starts', () => {
    const starts = [
      fromAmsterdamLocal('2026-04-03', 10 * 60), // Goede Vrijdag
      fromAmsterdamLocal('2026-01-10', 15 * 60), // Saturday
      fromAmsterdamLocal('2026-12-24', 23 * 60 + 45), // Christmas Eve, late
      fromAmsterdamLocal('2026-03-28', 2 * 60 + 30), // Saturday before the March change
      fromAmsterdamLocal('2026-10-24', 2 * 60 + 30), // Saturday before the October change
    ];
    const optionSets = [{}, { goodFriday: true }, { extraClosedDays: ['2026-05-15', '2026-12-24', '2027-04-26'] }];
    for (const start of starts) {
      for (const options of optionSets) {
        const wall = toAmsterdamLocal(start);
        for (let n = 0; n <= 300; n += 1) {
          const end = addWorkingDays(start, n, options);
          expect(workingDaysBetween(start, end, options)).toBe(n);
          const endWall = toAmsterdamLocal(end);
          expect(endWall.minutesOfDay).toBe(wall.minutesOfDay);
          if (n > 0) expect(isWorkingDay(endWall.date, options)).toBe(true);
        }
      }
    }
  });
});

describe('parseIsoDuration', () => {
  it('accepts strict ISO 8601 durations', () => {
    expect(parseIsoDuration('P1Y2M3W4DT5H6M7.5S')).toEqual({
      years: 1,
      months: 2,
      weeks: 3,
      days: 4,
      hours: 5,
      minutes: 6,
      seconds: 7.5,
    });
    const zero = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
    expect(parseIsoDuration('P10D')).toEqual({ ...zero, days: 10 });
    expect(parseIsoDuration('P1M')).toEqual({ ...zero, months: 1 });
    expect(parseIsoDuration('PT1M')).toEqual({ ...zero, minutes: 1 });
    expect(parseIsoDuration('P6W')).toEqual({ ...zero, weeks: 6 });
    expect(parseIsoDuration('PT36H')).toEqual({ ...zero, hours: 36 });
    expect(parseIsoDuration('P1DT12H')).toEqual({ ...zero, days: 1, hours: 12 });
    expect(parseIsoDuration('PT0S')).toEqual(zero);
    expect(parseIsoDuration('P0D')).toEqual(zero);
    expect(parseIsoDuration('PT0,25S')).toEqual({ ...zero, seconds: 0.25 });
  });

  it.each([
    '',
    'P',
    'PT',
    '5D',
    'P-1D',
    'P1.5D',
    'PT1.5H',
    'P1DT',
    'p1d',
    'P1d',
    ' P1D',
    'P1D ',
    'P1M1Y',
    'PT1S1M',
    'P1D1D',
    'PT.5S',
    'PT1.S',
    'P+1D',
    'P1H',
    'PT1D',
    'P99999999999999999999D',
  ])('rejects %j', (text) => {
    expect(parseIsoDuration(text)).toBeNull();
  });
});

describe('addIsoDuration', () => {
  it('clamps month addition to the last day of the month, also in leap year 2028', () => {
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-01-31', 10 * 60), 'P1M'))).toBe('2026-02-28 10:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2028-01-31', 10 * 60), 'P1M'))).toBe('2028-02-29 10:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2028-02-29', 10 * 60), 'P1Y'))).toBe('2029-02-28 10:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-03-31', 10 * 60), 'P1M'))).toBe('2026-04-30 10:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-11-30', 10 * 60), 'P3M'))).toBe('2027-02-28 10:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-01-31', 10 * 60), 'P1M1D'))).toBe('2026-03-01 10:00');
  });

  it('keeps wall-clock time for P1D over DST, unlike PT24H', () => {
    const march = fromAmsterdamLocal('2026-03-28', 12 * 60);
    expect(addIsoDuration(march, 'P1D') - march).toBe(23 * HOUR);
    expect(local(addIsoDuration(march, 'P1D'))).toBe('2026-03-29 12:00');
    expect(addIsoDuration(march, 'PT24H') - march).toBe(24 * HOUR);
    expect(local(addIsoDuration(march, 'PT24H'))).toBe('2026-03-29 13:00');

    const october = fromAmsterdamLocal('2026-10-24', 12 * 60);
    expect(addIsoDuration(october, 'P1D') - october).toBe(25 * HOUR);
    expect(local(addIsoDuration(october, 'P1D'))).toBe('2026-10-25 12:00');
    expect(local(addIsoDuration(october, 'PT24H'))).toBe('2026-10-25 11:00');
  });

  it('reads a wall-clock time in the March gap with the offset before the change', () => {
    const start = fromAmsterdamLocal('2026-03-28', 2 * 60 + 30);
    expect(local(addIsoDuration(start, 'P1D'))).toBe('2026-03-29 03:30');
  });

  it('adds weeks and years in calendar time', () => {
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-03-20', 9 * 60), 'P2W'))).toBe('2026-04-03 09:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-06-15', 9 * 60), 'P1Y'))).toBe('2027-06-15 09:00');
    expect(local(addIsoDuration(fromAmsterdamLocal('2026-10-20', 9 * 60), 'P1W'))).toBe('2026-10-27 09:00');
  });

  it('adds the time part as elapsed time after the calendar part', () => {
    const start = fromAmsterdamLocal('2026-03-28', 20 * 60);
    // P1D lands on 29 March 20:00 CEST; 12 elapsed hours later it is 30 March 08:00.
    expect(local(addIsoDuration(start, 'P1DT12H'))).toBe('2026-03-30 08:00');
    expect(addIsoDuration(start, 'PT1H30M15.5S')).toBe(start + HOUR + 30 * 60_000 + 15_500);
    expect(addIsoDuration(start, 'PT0S')).toBe(start);
  });

  it('accepts parsed components and rejects invalid durations', () => {
    const start = fromAmsterdamLocal('2026-01-31', 10 * 60);
    const parsed = parseIsoDuration('P1M');
    expect(parsed).not.toBeNull();
    if (parsed) expect(addIsoDuration(start, parsed)).toBe(addIsoDuration(start, 'P1M'));
    expect(() => addIsoDuration(start, 'P1.5D')).toThrow(RangeError);
    expect(() => addIsoDuration(start, '')).toThrow(RangeError);
    expect(() =>
      addIsoDuration(start, { years: 0, months: 0, weeks: 0, days: -1, hours: 0, minutes: 0, seconds: 0 }),
    ).toThrow(RangeError);
  });
});
