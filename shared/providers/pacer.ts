/**
 * Paces one provider account's API calls in this instance: calls leave at most `perSecond` apart
 * (no bursts, so no one-second window ever holds more), and a 429 holds every caller of the account
 * until its Retry-After has passed — instead of each of them coming back on its own and meeting the
 * limit again. Cloud Tasks' queue rate is what paces an account across instances; this keeps one
 * instance's concurrent calls (bulk items, follow-ups, retries) from bursting past the account's
 * limit, which is what turned half of a bulk job's requests into 429s.
 */
export interface Pacer {
  /** Resolves when this call may be sent. */
  take(signal?: AbortSignal): Promise<void>;
  /** The provider answered 429: nobody sends before `ms` from now. */
  pause(ms: number): void;
}

/** The share of the account's limit paced to: room for clock skew between us and the provider. */
export const PACE_SHARE = 0.97;

/** Room left for the trip to the provider in the one-second window guard below. */
const WINDOW_MARGIN_MS = 25;

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
  const spacing = 1000 / (perSecond * PACE_SHARE);
  // Timers fire late on a busy event loop, and a late caller leaves closer to the next one than the
  // spacing: the departures themselves are kept so that no one second (and a margin) holds more than
  // the limit — the sliding window a provider counts in.
  const cap = Math.max(1, Math.floor(perSecond));
  const departures: { at: number; cold: boolean }[] = [];
  let next = 0; // when the next call may leave
  let pausedUntil = 0;
  let coldLeft = 0; // how many more calls go out cold
  const depart = () => {
    const at = now();
    const last = departures.at(-1)?.at;
    if (last === undefined || at - last > COLD_AFTER_IDLE_MS) coldLeft = cap;
    departures.push({ at, cold: coldLeft > 0 });
    if (coldLeft > 0) coldLeft--;
    if (departures.length > cap) departures.shift();
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
          if (signal?.aborted) return;
          // A 429 that came in while this caller waited voids its slot: take one after the pause.
          if (pausedUntil > at) continue;
        }
        // Callers woken together each wait for the window in turn: checked again after every wait.
        let paused = false;
        for (;;) {
          const oldest = departures.length >= cap ? departures[departures.length - cap]! : undefined;
          const clear = oldest === undefined ? 0 : oldest.at + 1000 + (oldest.cold ? COLD_WINDOW_MARGIN_MS : WINDOW_MARGIN_MS);
          const late = now();
          if (late >= clear) break;
          next = Math.max(next, clear + spacing);
          await sleep(clear - late);
          if (signal?.aborted) return;
          if (pausedUntil > clear) {
            paused = true;
            break;
          }
        }
        if (paused) continue;
        depart();
        return;
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
