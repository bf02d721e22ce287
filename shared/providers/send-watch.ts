/**
 * When a request to a provider actually left this process: undici publishes, on Node's diagnostics
 * channels, the creation of each request and the moment its headers are written to the socket. A
 * paced call (pacer.ts) is stamped with the latter, so the account's window counts from when the
 * provider can see the call, not from when the pacer let it go (on a busy event loop the two are
 * 20-170 ms apart; measured by `npm run bench:bulk`).
 *
 * `watchSend(onSent, start)` runs `start` (which must dispatch the request synchronously, as undici's
 * `request()` does) and ties the request undici creates during it to `onSent`. A request undici
 * queues without creating it then (every connection of the pool busy) is simply not stamped: its
 * caller keeps the time the pacer released it.
 */
import { subscribe } from 'node:diagnostics_channel';

let expecting: ((at: number) => void) | undefined;
const watched = new WeakMap<object, (at: number) => void>();
let subscribed = false;

const requestOf = (message: unknown): object | undefined => {
  const request = (message as { request?: unknown } | null)?.request;
  return typeof request === 'object' && request !== null ? request : undefined;
};

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('undici:request:create', (message) => {
    const request = requestOf(message);
    if (!expecting || !request) return;
    watched.set(request, expecting);
    expecting = undefined;
  });
  subscribe('undici:client:sendHeaders', (message) => {
    const request = requestOf(message);
    const onSent = request && watched.get(request);
    if (!onSent) return;
    watched.delete(request);
    onSent(Date.now());
  });
}

export function watchSend<T>(onSent: (at: number) => void, start: () => T): T {
  subscribeOnce();
  expecting = onSent;
  try {
    return start();
  } finally {
    expecting = undefined;
  }
}
