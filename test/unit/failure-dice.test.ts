import { describe, expect, it } from 'vitest';
import { FailureDice } from '../../scripts/sandboxes/kit.js';

// The sandboxes' injected transient failures: the configured rate exactly, at seeded positions.
const rolls = (dice: FailureDice, rate: number, n: number) => Array.from({ length: n }, () => dice.roll(rate));
const count = (xs: boolean[]) => xs.filter(Boolean).length;

describe('FailureDice', () => {
  it('fails exactly the configured share of each block of 100 calls, whatever the seed', () => {
    for (const seed of [0, 1, 2, 3, 42]) {
      const xs = rolls(new FailureDice(seed, 'failures'), 0.05, 5300);
      for (let b = 0; b < 53; b++) expect(count(xs.slice(b * 100, b * 100 + 100))).toBe(5);
    }
  });

  it('carries fractional shares over to later blocks', () => {
    const xs = rolls(new FailureDice(7, 'x'), 0.005, 1000);
    expect(count(xs)).toBe(5);
    expect(count(rolls(new FailureDice(7, 'x'), 0.333, 300))).toBe(99);
  });

  it('draws positions from the seed: same seed, same calls; other seed, other calls', () => {
    const a = rolls(new FailureDice(9, 'failures'), 0.1, 500);
    expect(rolls(new FailureDice(9, 'failures'), 0.1, 500)).toEqual(a);
    expect(rolls(new FailureDice(10, 'failures'), 0.1, 500)).not.toEqual(a);
    // Not a fixed stride: the gaps between failures vary.
    const at = a.flatMap((x, i) => (x ? [i] : []));
    expect(new Set(at.slice(1).map((p, i) => p - at[i]!)).size).toBeGreaterThan(3);
  });

  it('always or never at the extremes; a rate change starts a fresh block; reset replays the seed', () => {
    const dice = new FailureDice(3, 'x');
    expect(count(rolls(dice, 1, 150))).toBe(150);
    expect(count(rolls(dice, 0, 150))).toBe(0);
    const first = rolls(dice, 0.2, 100);
    expect(count(first)).toBe(20);
    dice.reset();
    const replay = new FailureDice(3, 'x');
    expect(rolls(dice, 0.2, 100)).toEqual(rolls(replay, 0.2, 100));
  });

  it('without a seed still meets the rate exactly', () => {
    expect(count(rolls(new FailureDice(undefined, 'x'), 0.05, 2000))).toBe(100);
  });
});
