import { describe, expect, it } from 'vitest';
import { isValidNpa, numberTypeOf, patternToDigits, toE164 } from '../../shared/domain/phone.js';
import { assertTransition, canTransition } from '../../shared/domain/number.js';

describe('phone rules', () => {
  it('normalises valid numbers to E.164 and rejects the rest', () => {
    expect(toE164('+1 (415) 555-0142')).toBe('+14155550142');
    expect(toE164('+442071838750')).toBe('+442071838750');
    expect(toE164('4155550142')).toBeUndefined(); // no country
    expect(toE164('4155550142', 'US')).toBe('+14155550142');
    expect(toE164('+1415')).toBeUndefined();
    expect(toE164('+1 911 555 0142')).toBeUndefined();
    expect(toE164('x'.repeat(100))).toBeUndefined();
  });

  it('knows NANP area codes', () => {
    for (const npa of ['415', '212', '800', '833', '905']) expect(isValidNpa(npa), npa).toBe(true);
    for (const npa of ['011', '123', '911', '411', '195', '090', '41', '4155']) expect(isValidNpa(npa), npa).toBe(false);
  });

  it('maps letters to keypad digits and keeps wildcards', () => {
    expect(patternToDigits('FLOWERS')).toBe('3569377');
    expect(patternToDigits('55*12a')).toBe('55*122');
  });

  it('derives the number type from the numbering plan', () => {
    expect(numberTypeOf('+18005550142')).toBe('toll_free');
    expect(numberTypeOf('+447911123456')).toBe('mobile');
    expect(numberTypeOf('+14155550142')).toBe('local');
  });
});

describe('number status machine', () => {
  it('allows the documented transitions only', () => {
    expect(canTransition('pending', 'active')).toBe(true);
    expect(canTransition('active', 'inactive')).toBe(true);
    expect(canTransition('inactive', 'active')).toBe(true);
    expect(canTransition('active', 'released')).toBe(true);
    expect(canTransition('released', 'active')).toBe(false);
    expect(canTransition('released', 'released')).toBe(false);
    expect(canTransition('error', 'active')).toBe(false);
    expect(canTransition('active', 'pending')).toBe(false);
  });
  it('explains why a released number cannot change', () => {
    expect(() => assertTransition('released', 'active')).toThrow(/released/);
  });
});
