/**
 * Text enablement response window: business days (pure).
 */
import { describe, expect, it } from 'vitest';
import { addBusinessDays, isBusinessDay, textEnablementDueDate } from '../../shared/providers/somos/tss.js';

const at = (iso: string) => new Date(iso);

describe('textEnablementDueDate (2 business days, UTC)', () => {
  it.each([
    ['2026-03-02T10:00:00Z', '2026-03-04T10:00:00.000Z'], // Mon → Wed
    ['2026-03-05T12:00:00Z', '2026-03-09T12:00:00.000Z'], // Thu → Mon
    ['2026-03-06T15:00:00Z', '2026-03-10T15:00:00.000Z'], // Fri → Tue
    ['2026-03-07T10:00:00Z', '2026-03-11T00:00:00.000Z'], // Sat → clock starts Mon 00:00 → Wed 00:00
    ['2026-03-08T23:59:00Z', '2026-03-11T00:00:00.000Z'], // Sun → same
  ])('%s → %s', (submitted, due) => {
    expect(textEnablementDueDate(at(submitted)).toISOString()).toBe(due);
  });

  it('skips holidays and accepts another window', () => {
    expect(textEnablementDueDate(at('2026-12-24T09:00:00Z'), { holidays: ['2026-12-25'] }).toISOString()).toBe('2026-12-29T09:00:00.000Z');
    expect(textEnablementDueDate(at('2026-03-02T10:00:00Z'), { businessDays: 5 }).toISOString()).toBe('2026-03-09T10:00:00.000Z');
  });

  it('does not mutate its input; 0 days on a business day is the same instant', () => {
    const d = at('2026-03-02T10:00:00Z');
    addBusinessDays(d, 2);
    expect(d.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(addBusinessDays(d, 0).toISOString()).toBe('2026-03-02T10:00:00.000Z');
    expect(() => addBusinessDays(d, -1)).toThrow(RangeError);
    expect(() => addBusinessDays(d, 1.5)).toThrow(RangeError);
  });

  it('isBusinessDay', () => {
    expect(isBusinessDay(at('2026-03-06T23:59:59Z'))).toBe(true);
    expect(isBusinessDay(at('2026-03-07T00:00:00Z'))).toBe(false);
    expect(isBusinessDay(at('2026-07-03T12:00:00Z'), ['2026-07-03'])).toBe(false);
  });
});
