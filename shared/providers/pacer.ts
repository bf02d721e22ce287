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

export function createPacer(perSecond: number, now: () => number = Date.now, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Pacer {
  const spacing = 1000 / (perSecond * PACE_SHARE);
  let next = 0; // when the next call may leave
  let pausedUntil = 0;
  return {
    async take(signal) {
      for (;;) {
        const t = now();
        // Reserve the next slot now, so that concurrent callers leave in order, spaced.
        const at = Math.max(next, pausedUntil, t);
        next = at + spacing;
        if (at <= t) return;
        await sleep(at - t);
        // A 429 that came in while this caller waited voids its slot: take one after the pause.
        if (signal?.aborted || pausedUntil <= at) return;
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
