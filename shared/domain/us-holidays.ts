/**
 * US federal holidays (5 U.S.C. 6103) as observed: one on a Saturday is kept the Friday before, one
 * on a Sunday the Monday after. YYYY-MM-DD, for business-day arithmetic (addBusinessDays).
 */
const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

/** The n-th (1-based) weekday (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return iso(year, month, 1 + ((weekday - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDay = new Date(Date.UTC(year, month, 0));
  const back = (lastDay.getUTCDay() - weekday + 7) % 7;
  return iso(year, month, lastDay.getUTCDate() - back);
}

function observed(year: number, month: number, day: number): string {
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  if (dow === 6) return iso(year, month, day - 1);
  if (dow === 0) return iso(year, month, day + 1);
  return iso(year, month, day);
}

export function usFederalHolidays(year: number): string[] {
  return [
    observed(year, 1, 1), // New Year's Day
    nthWeekday(year, 1, 1, 3), // Birthday of Martin Luther King, Jr.
    nthWeekday(year, 2, 1, 3), // Washington's Birthday
    nthWeekday(year, 5, 1, -1), // Memorial Day
    observed(year, 6, 19), // Juneteenth
    observed(year, 7, 4), // Independence Day
    nthWeekday(year, 9, 1, 1), // Labor Day
    nthWeekday(year, 10, 1, 2), // Columbus Day
    observed(year, 11, 11), // Veterans Day
    nthWeekday(year, 11, 4, 4), // Thanksgiving Day
    observed(year, 12, 25), // Christmas Day
  ];
}

/** The holidays of the years a span starting at `from` may cross (this year and the next two). */
export function usFederalHolidaysFrom(from: Date): string[] {
  const y = from.getUTCFullYear();
  // New Year's Day of y+1 may be observed on Dec 31 of y.
  return [y, y + 1, y + 2].flatMap(usFederalHolidays);
}
