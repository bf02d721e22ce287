/**
 * CORS for browser clients of the API (CORS_ORIGINS). Only listed origins get CORS headers: the
 * allowed origin echoed (never `*`, with Vary: Origin), on preflights the path's own methods, the
 * request headers the API reads and a max age; on every other answer the response headers a client
 * may read. A request from any other origin gets no CORS headers, so the browser keeps the answer
 * from the page. Webhooks and task targets are not browser-facing: they get none either.
 */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type', 'idempotency-key', 'x-request-id'] as const;
export const CORS_EXPOSE_HEADERS = ['x-request-id', 'idempotent-replayed', 'retry-after', 'location'] as const;
/** How long a browser may reuse a preflight's answer (seconds). */
export const CORS_MAX_AGE_SECONDS = 600;

type SetHeader = (name: string, value: string) => void;

/** The request's Origin when CORS_ORIGINS lists it (case-insensitively), else undefined. */
export function allowedOrigin(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (!origin || !allowed.length) return undefined;
  const normalized = origin.trim().toLowerCase();
  return allowed.includes(normalized) ? origin.trim() : undefined;
}

/** A CORS preflight: OPTIONS naming the method it asks for. */
export const isPreflight = (method: string | undefined, requestMethod: string | undefined) => method === 'OPTIONS' && !!requestMethod;

/** The headers of an answer to an allowed origin's actual request. */
export function setCorsHeaders(set: SetHeader, origin: string): void {
  set('access-control-allow-origin', origin);
  set('access-control-expose-headers', CORS_EXPOSE_HEADERS.join(', '));
  set('vary', 'Origin');
}

/** The headers of the answer (204) to an allowed origin's preflight. */
export function setPreflightHeaders(set: SetHeader, origin: string, methods: readonly string[]): void {
  set('access-control-allow-origin', origin);
  set('access-control-allow-methods', methods.join(', '));
  set('access-control-allow-headers', CORS_ALLOW_HEADERS.join(', '));
  set('access-control-max-age', String(CORS_MAX_AGE_SECONDS));
  set('vary', 'Origin');
}
