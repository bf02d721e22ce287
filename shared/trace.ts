/**
 * Trace context of the request being served, for log correlation in Cloud Logging / Cloud Trace.
 *
 * Incoming: W3C `traceparent` (preferred) or Google's `X-Cloud-Trace-Context`; a request that brings
 * neither (the dev stack, a test) gets a new trace, so its hops still join one trace. The context is
 * held in an AsyncLocalStorage for the request's whole async chain: every log line written meanwhile
 * carries it (shared/log.ts), and every Cloud Task enqueued and Pub/Sub message published through
 * Deps carries it on (`traceparent` header / attribute: shared/deps.ts), so that the item tasks of a
 * bulk job log under the trace of the POST /v1/jobs that created it.
 *
 * There is no tracer here: spans are not exported. The span id logged (and passed on as the parent
 * of the next hop) is the incoming one, i.e. the span Google's front end opened for this request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

export interface TraceContext {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  sampled: boolean;
  source: 'traceparent' | 'x-cloud-trace-context' | 'pubsub-attribute' | 'generated';
}

export interface RequestScope {
  trace: TraceContext;
  /** The project of the trace resource name (projects/P/traces/T); no trace fields without it. */
  project?: string;
  /** The function serving the request (Error Reporting's serviceContext.service). */
  function?: string;
  /** For Error Reporting's context.httpRequest. */
  httpRequest?: { method: string; url: string };
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it starts) in the scope of one request. */
export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=(\d+))?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const MAX_U64 = (1n << 64n) - 1n;

/** W3C trace context (version 00; later versions are read as 00, as the spec asks). */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = value?.trim().match(TRACEPARENT);
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1, source: 'traceparent' };
}

/** `TRACE_ID/SPAN_ID;o=OPTIONS`, the span id in decimal; a missing span id gets a new one. */
export function parseCloudTraceContext(value: string | undefined): TraceContext | undefined {
  const match = value?.trim().match(CLOUD_TRACE);
  if (!match) return undefined;
  const traceId = match[1]!.toLowerCase();
  if (traceId === ZERO_TRACE) return undefined;
  let spanId: string | undefined;
  if (match[2] !== undefined) {
    const span = BigInt(match[2]);
    if (span > 0n && span <= MAX_U64) spanId = span.toString(16).padStart(16, '0');
  }
  return { traceId, spanId: spanId ?? newSpanId(), sampled: match[3] !== undefined && (Number(match[3]) & 1) === 1, source: 'x-cloud-trace-context' };
}

export const newSpanId = (): string => {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== ZERO_SPAN) return id;
  }
};

export function newTrace(): TraceContext {
  return { traceId: randomBytes(16).toString('hex'), spanId: newSpanId(), sampled: false, source: 'generated' };
}

/**
 * The request's trace: `traceparent` first, then `X-Cloud-Trace-Context`, else a new one. `carried`
 * is the copy of the trace a task was enqueued with (CARRIED_TRACE_HEADER): Cloud Run continues an
 * incoming trace under its own span (same trace id), which is kept; if something on the way started
 * another trace instead, the carried one wins, so the task still logs under the trace that made it.
 */
export function traceFromHeaders(traceparent: string | undefined, cloudTraceContext: string | undefined, carried?: string  ): TraceContext {
  const incoming = parseTraceparent(traceparent) ?? parseCloudTraceContext(cloudTraceContext);
  const copy = parseTraceparent(carried);
  if (copy && copy.traceId !== incoming?.traceId) return copy;
  return incoming ?? newTrace();
}

/** A copy of `traceparent` on enqueued tasks that no platform hop rewrites (see traceFromHeaders). */
export const CARRIED_TRACE_HEADER = 'X-Numbers-Traceparent';

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

export function formatCloudTraceContext(trace: TraceContext): string {
  return `${trace.traceId}/${BigInt(`0x${trace.spanId}`).toString(10)};o=${trace.sampled ? 1 : 0}`;
}

export const TRACE_FIELD = 'logging.googleapis.com/trace';
export const SPAN_FIELD = 'logging.googleapis.com/spanId';
export const SAMPLED_FIELD = 'logging.googleapis.com/trace_sampled';

/** The fields Cloud Logging moves into LogEntry.trace, spanId and traceSampled. */
export function traceLogFields(trace: TraceContext, project: string | undefined): Record<string, string | boolean> {
  if (!project) return {};
  return { [TRACE_FIELD]: `projects/${project}/traces/${trace.traceId}`, [SPAN_FIELD]: trace.spanId, [SAMPLED_FIELD]: trace.sampled };
}

/** Headers that carry the current trace to the next hop (a Cloud Task); none outside a request. */
export function traceHeaders(): Record<string, string> {
  const trace = storage.getStore()?.trace;
  if (!trace) return {};
  const traceparent = formatTraceparent(trace);
  return { traceparent, 'X-Cloud-Trace-Context': formatCloudTraceContext(trace), [CARRIED_TRACE_HEADER]: traceparent };
}

/** The Pub/Sub message attribute that carries the current trace; the event handler continues it. */
export const TRACE_ATTRIBUTE = 'traceparent';
export function traceAttributes(): Record<string, string> {
  const trace = storage.getStore()?.trace;
  return trace ? { [TRACE_ATTRIBUTE]: formatTraceparent(trace) } : {};
}
