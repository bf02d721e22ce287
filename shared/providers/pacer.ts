/**
 * Paces one provider account's API calls in this instance: calls leave 1/`perSecond` apart (no
 * bursts), no second plus a margin (WINDOW_MARGIN_MS, counted from when each call actually left)
 * ever holds more than `perSecond` of them, and a 429 holds every caller of the account
 * until its Retry-After has passed — instead of each of them coming back on its own and meeting the
 * limit again. Cloud Tasks' queue rate is what paces an account across instances; this keeps one
 * instance's concurrent calls (bulk items, follow-ups, retries) from bursting past the account's
 * limit, which is what turned half of a bulk job's requests into 429s.
 */
export interface Pacer {
  /**
   * Resolves when this call may be sent, with its departure: call `sent()` when the request
   * actually leaves (its bytes are written), which may be later than this resolves on a busy event
   * loop. The window below counts from then.
   */
  take(signal?: AbortSignal): Promise<Departure>;
  /** The provider answered 429: nobody sends before `ms` from now. */
  pause(ms: number): void;
}

/** One call's place in the window. */
export interface Departure {
  /** The request left at `at` (default now): only ever later than the pacer released it. */
  sent(at?: number): void;
}

const NOT_SENT: Departure = { sent: () => undefined };

/**
 * Room left in the one-second window for the trip to the provider: what its arrival times may vary
 * by beyond our send times (the send times themselves are exact: send-watch.ts). It is the pacer's
 * only headroom (the spacing is the limit's own): the account runs at cap / (1 s + this).
 */
export const WINDOW_MARGIN_MS = 25;

/**
 * The room left after calls that went out cold: the first window's worth after the account was idle
 * (or never used here). Cold calls reach the provider late and unevenly (new connections, code paths
 * run for the first time on both sides), so the provider's window for them starts later than ours; the
 * calls a second after them would otherwise arrive within it (measured by `npm run bench:bulk`: the
 * start-up 429s of every run came at windows compressed by 60–180 ms). It costs once, a fraction of a
 * second at a start; a 429 costs its Retry-After.
 */
export const COLD_WINDOW_MARGIN_MS = 200;

/** An account idle this long is cold again. */
const COLD_AFTER_IDLE_MS = 5_000;

export function createPacer(perSecond: number, now: () => number = Date.now, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Pacer {
  const spacing = 1000 / perSecond;
  // Timers fire late on a busy event loop, and a late caller leaves closer to the next one than the
  // spacing (and the spacing alone would fill a second exactly): the departures themselves are kept so that no one second (and a margin) holds more than
  // the limit — the sliding window a provider counts in.
  const cap = Math.max(1, Math.floor(perSecond));
  const departures: { at: number; cold: boolean }[] = [];
  // The window counts from when a call left, not from when it was released: on a busy event loop the
  // two can be 20-170 ms apart (measured by `npm run bench:bulk`), and a call that left late arrives
  // in the provider's window together with those a second after it. Re-stamped calls may leave out of
  // order, so twice the limit's worth is kept and the window is computed over all of it.
  let next = 0; // when the next call may leave
  let pausedUntil = 0;
  let coldLeft = 0; // how many more calls go out cold
  const depart = (): Departure => {
    const at = now();
    const last = departures.at(-1)?.at;
    if (last === undefined || at - last > COLD_AFTER_IDLE_MS) coldLeft = cap;
    const entry = { at, cold: coldLeft > 0 };
    departures.push(entry);
    if (coldLeft > 0) coldLeft--;
    // The one that left first goes (not the first released: a late stamp may still be in the window).
    if (departures.length > 2 * cap) departures.splice(departures.reduce((min, d, i) => (d.at < departures[min]!.at ? i : min), 0), 1);
    return {
      sent(sentAt = now()) {
        entry.at = Math.max(entry.at, sentAt);
      },
    };
  };
  /** When fewer than `cap` calls are still in the window (a margin past one second after each left). */
  const windowClearsAt = (): number => {
    if (departures.length < cap) return 0;
    const ends = departures.map((d) => d.at + 1000 + (d.cold ? COLD_WINDOW_MARGIN_MS : WINDOW_MARGIN_MS)).sort((a, b) => b - a);
    return ends[cap - 1]!;
  };
  return {
    async take(signal) {
      for (;;) {
        const t = now();
        // Reserve the next slot now, so that concurrent callers leave in order, spaced.
        const at = Math.max(next, pausedUntil, t);
        next = at + spacing;
        if (at > t) {
          await sleep(at - t);
          if (signal?.aborted) return NOT_SENT;
          // A 429 that came in while this caller waited voids its slot: take one after the pause.
          if (pausedUntil > at) continue;
        }
        // Callers woken together each wait for the window in turn: checked again after every wait.
        let paused = false;
        for (;;) {
          const clear = windowClearsAt();
          const late = now();
          if (late >= clear) break;
          next = Math.max(next, clear + spacing);
          await sleep(clear - late);
          if (signal?.aborted) return NOT_SENT;
          if (pausedUntil > clear) {
            paused = true;
            break;
          }
        }
        if (paused) continue;
        return depart();
      }
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
  };
}

const pacers = new Map<string, Pacer>();

/** One pacer per account key (provider + account identity) per instance. */
export function pacerFor(key: string, perSecond: number): Pacer {
  const id = `${key}@${perSecond}`;
  let pacer = pacers.get(id);
  if (!pacer) {
    pacer = createPacer(perSecond);
    pacers.set(id, pacer);
    if (pacers.size > 1000) pacers.delete(pacers.keys().next().value!);
  }
  return pacer;
}
