/**
 * The typed client: openapi-fetch over the types openapi-typescript generated from /v1/openapi.json
 * (api/schema.d.ts, `npm run generate`). Every request carries the session's ID token.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './api/schema';

export type { paths };
export type Api = ReturnType<typeof createClient<paths>>;
/** The one error envelope's inside, whatever its code (each code's details are typed in the document). */
export type ErrorBody = components['schemas']['Error']['error'];
type AnyError = { code: string; message: string; requestId?: string; details?: Record<string, unknown> };

/** The JSON body of a path's method answer with status S. */
export type Body<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer R } } };
}
  ? R
  : never;
/** The JSON request body of a path's method. */
export type Input<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer R } };
}
  ? R
  : never;

export function createApi(baseUrl: string, token: () => Promise<string>, onUnauthenticated: () => void): Api {
  const api = createClient<paths>({ baseUrl });
  api.use({
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${await token()}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthenticated();
      return response;
    },
  });
  return api;
}

/** What went wrong, for display: the envelope's code and message, and a message per named field. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  requestId?: string;
  /** Field path without its body./query. prefix (e.g. webhookUrl, routing.split) → message. */
  fields: Record<string, string>;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; data: T; status: number; response: Response } | { ok: false; problem: Problem };

/** Runs one openapi-fetch call and turns its answer (or a network failure) into a Result. */
export async function run<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Result<T>> {
  try {
    const { data, error, response } = await call;
    if (response.ok) return { ok: true, data: data as T, status: response.status, response };
    return { ok: false, problem: toProblem(response.status, error) };
  } catch (err) {
    return { ok: false, problem: { status: 0, code: 'NETWORK', message: `The API could not be reached (${err instanceof Error ? err.message : String(err)})`, fields: {} } };
  }
}

export function toProblem(status: number, error: unknown): Problem {
  const body = (error as { error?: AnyError } | undefined)?.error;
  if (!body || typeof body.message !== 'string') {
    return { status, code: 'UNKNOWN', message: `The API answered ${status}`, fields: {} };
  }
  const fields: Record<string, string> = {};
  const issues = (body.details as { issues?: { path?: string; message?: string }[] } | undefined)?.issues ?? [];
  for (const issue of issues) {
    if (!issue.path) continue;
    const field = issue.path.replace(/^(body|query|path|header)\.?/, '');
    fields[field] ??= issue.message ?? 'invalid';
  }
  return { status, code: body.code, message: body.message, requestId: body.requestId, fields, ...(body.details ? { details: body.details } : {}) };
}

/** A fresh Idempotency-Key: one per intended write, reused when the same write is sent again. */
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The message for a field: its own issue, or the first issue inside it (tags.0 → tags). */
export function fieldError(problem: Problem | undefined, field: string): string | undefined {
  if (!problem) return undefined;
  if (problem.fields[field]) return problem.fields[field];
  const inside = Object.keys(problem.fields).find((k) => k.startsWith(field + '.'));
  return inside ? problem.fields[inside] : undefined;
}
