import { describe, expect, it } from 'vitest';
import { COLD_WINDOW_MARGIN_MS, createPacer, WINDOW_MARGIN_MS } from '../../shared/providers/pacer.js';

/** A clock that only moves when someone sleeps on it; `late(n)` delays the n-th sleeper's wake-up (a busy event loop). */
function fakeTime(late: (n: number) => number = () => 0) {
  let now = 0;
  let count = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: now + ms + late(count++), wake });
      }),
    /** Runs every sleeper due within `ms`, in time order. */
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        await new Promise((r) => setImmediate(r));
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (!next || next.at > end) break;
        sleepers.shift();
        now = next.at;
        next.wake();
      }
      now = end;
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('provider account pacer', () => {
  it('lets concurrent calls leave one at a time, never more than the limit in any second', async () => {
    const time = fakeTime();
    const pacer = createPacer(10, time.now, time.sleep);
    const left: number[] = [];
    const calls = Array.from({ length: 30 }, () => pacer.take().then(() => left.push(time.now())));
    await time.advance(5000);
    await Promise.all(calls);
    expect(left).toHaveLength(30);
    for (let i = 0; i < left.length; i++) {
      const inWindow = left.filter((t) => t >= left[i]! && t < left[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(10);
    }
    // …and close to it: 30 calls at 10/s take about 3 s, plus the cold first window's extra room once and the margin of each later one.
    expect(left.at(-1)!).toBeLessThanOrEqual(2900 + COLD_WINDOW_MARGIN_MS + WINDOW_MARGIN_MS + 1);
  });

  it('keeps to the limit in every second when timers fire late and callers bunch up', async () => {
    // Every 11th wake-up 60 ms late: the next ten leave on time, closer to it than the spacing.
    const time = fakeTime((n) => (n % 11 === 0 ? 60 : 0));
    const pacer = createPacer(10, time.now, time.sleep);
    const left: number[] = [];
    const calls = Array.from({ length: 60 }, () => pacer.take().then(() => left.push(time.now())));
    await time.advance(10_000);
    await Promise.all(calls);
    expect(left).toHaveLength(60);
    for (let i = 0; i < left.length; i++) {
      expect(left.filter((t) => t >= left[i]! && t < left[i]! + 1000).length).toBeLessThanOrEqual(10);
    }
  });

  it('keeps to the limit under random timer lateness, when callers wake together and wait for the window', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const time = fakeTime(() => Math.floor(random() * 120));
    const pacer = createPacer(10, time.now, time.sleep);
    const left: number[] = [];
    const calls = Array.from({ length: 200 }, () => pacer.take().then(() => left.push(time.now())));
    await time.advance(60_000);
    await Promise.all(calls);
    expect(left).toHaveLength(200);
    for (let i = 0; i < left.length; i++) {
      expect(left.filter((t) => t >= left[i]! && t < left[i]! + 1000).length).toBeLessThanOrEqual(10);
    }
  });

  it('leaves more room after the first window of a cold account (and again after it idled), none later', async () => {
    const time = fakeTime();
    const pacer = createPacer(10, time.now, time.sleep);
    const left: number[] = [];
    const calls = Array.from({ length: 30 }, () => pacer.take().then(() => left.push(time.now())));
    await time.advance(10_000);
    await Promise.all(calls);
    // The 11th call waits for the first (cold) one's window and its wider margin; the 21st only the usual one.
    expect(left[10]! - left[0]!).toBeGreaterThanOrEqual(1000 + COLD_WINDOW_MARGIN_MS);
    expect(left[20]! - left[10]!).toBeLessThan(1000 + COLD_WINDOW_MARGIN_MS);
    // Idle for longer than the cold threshold: the next window is cold again.
    await time.advance(6_000);
    const again: number[] = [];
    const later = Array.from({ length: 11 }, () => pacer.take().then(() => again.push(time.now())));
    await time.advance(10_000);
    await Promise.all(later);
    expect(again[10]! - again[0]!).toBeGreaterThanOrEqual(1000 + COLD_WINDOW_MARGIN_MS);
  });

  it('holds every caller of the account while a 429’s Retry-After runs', async () => {
    const time = fakeTime();
    const pacer = createPacer(100, time.now, time.sleep);
    await pacer.take(); // t=0
    pacer.pause(1000);
    const left: number[] = [];
    const calls = Array.from({ length: 5 }, () => pacer.take().then(() => left.push(time.now())));
    await time.advance(2000);
    await Promise.all(calls);
    expect(Math.min(...left)).toBeGreaterThanOrEqual(1000);
  });

  it('counts a call in the window from when it left, when that was later than its release', async () => {
    const time = fakeTime();
    const pacer = createPacer(10, time.now, time.sleep);
    // A warm account (its first window's wider margin spent): that margin is not what this is about.
    const warm = Array.from({ length: 10 }, () => pacer.take());
    await time.advance(1500);
    await Promise.all(warm);
    const left: number[] = [];
    const calls = Array.from({ length: 11 }, (_, i) =>
      pacer.take().then((departure) => {
        left.push(time.now());
        // The first of them sat 80 ms in a busy event loop before its bytes went out.
        if (i === 0) departure.sent(time.now() + 80);
      }),
    );
    await time.advance(5000);
    await Promise.all(calls);
    // The 11th leaves a second (and the margin) after the first one actually left, not after its release.
    expect(left[10]! - left[0]!).toBeGreaterThanOrEqual(1080 + WINDOW_MARGIN_MS);
  });
});
