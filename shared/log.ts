/**
 * JSON-lines logger in Cloud Logging's structured format. Every entry passes
 * through redact(): credentials never reach a log line, whatever a caller passes.
 *
 * What Cloud Logging and its neighbours read from a line (special fields are moved out of jsonPayload):
 * - severity, message, time;
 * - logging.googleapis.com/trace, /spanId, /trace_sampled: added to every line written while a
 *   request is served (the trace of shared/trace.ts), unless the caller gave its own;
 * - logging.googleapis.com/labels (LogEntry.labels) and httpRequest (LogEntry.httpRequest): the
 *   access line of each request (shared/http/handler.ts, accessLogFields below);
 * - at ERROR and above with an Error among the fields: Error Reporting's shape — `@type`
 *   ReportedErrorEvent, the (redacted) stack in `stack_trace`, `serviceContext` {service: the
 *   function, version: its Cloud Run revision} and `context.httpRequest` — so the error is reported
 *   and grouped by its stack. The message stays the caller's (log-based metrics match on it).
 * Hand-written on purpose: pino costs ~30 ms of cold start, its Google Cloud config ~500 ms more.
 */
import { currentScope, traceLogFields, TRACE_FIELD, type RequestScope } from './trace.js';

export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL' | 'ALERT';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_KEY = /(pass(word)?|secret|token|authorization|api[-_]?key|auth[-_]?id|credential|private[-_]?key|cookie|signature)/i;
const SECRET_VALUE: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, // auth headers
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, // JWTs
  /\/\/[^/\s:@]+:[^/\s@]+@/g, // user:pass@ in URLs
];
export const MASK = '***masked***';

export function redactString(value: string): string {
  let out = value;
  for (const pattern of SECRET_VALUE) out = out.replace(pattern, (m) => (m.startsWith('//') ? `//${MASK}@` : MASK));
  return out;
}

/**
 * Removes known secret values (the credentials of the call that failed) and credential-looking
 * strings from a provider's error text, longest first, and bounds its length.
 */
export function scrubSecrets(
  text: string,
  secrets: readonly (string | undefined)[],
  options: { maxLength?: number; mask?: string } = {},
): string {
  const { maxLength = 500, mask = '***' } = options;
  let out = redactString(text);
  const known = secrets.filter((x): x is string => typeof x === 'string' && x.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of known) out = out.split(secret).join(mask);
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message), stack: value.stack ? redactString(value.stack) : undefined };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && v !== undefined && v !== null && typeof v !== 'boolean' ? MASK : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

type Sink = (line: string) => void;
let sink: Sink = (line) => process.stdout.write(line + '\n');
let minLevel: Severity = (process.env.LOG_LEVEL?.toUpperCase() as Severity) || 'INFO';
const order: Severity[] = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT'];

/** Tests capture log output through this. */
export function setLogSink(next: Sink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}
export function setLogLevel(level: Severity): void {
  minLevel = level;
}

export const REPORTED_ERROR_EVENT = 'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';
const ERROR_INDEX = order.indexOf('ERROR');

function write(severity: Severity, message: string, fields: Record<string, unknown>): void {
  const level = order.indexOf(severity);
  if (level < order.indexOf(minLevel)) return;
  const entry: Record<string, unknown> = { severity, message: redactString(message), time: new Date().toISOString(), ...(redact(fields) as object) };
  const scope = currentScope();
  if (scope && !(TRACE_FIELD in entry)) Object.assign(entry, traceLogFields(scope.trace, scope.project));
  if (level >= ERROR_INDEX) {
    const reported = Object.entries(fields).find(([, value]) => value instanceof Error) as [string, Error] | undefined;
    if (reported) {
      const [key, err] = reported;
      // The stack once, where Error Reporting reads it; the field keeps the error's name and message.
      if (entry[key] && typeof entry[key] === 'object') delete (entry[key] as { stack?: unknown }).stack;
      Object.assign(entry, errorReportFields(err, scope, fields));
    }
  }
  sink(JSON.stringify(entry));
}

/** Error Reporting's fields for an error logged at ERROR: https://cloud.google.com/error-reporting/docs/formatting-error-messages */
function errorReportFields(err: Error, scope: RequestScope | undefined, fields: Record<string, unknown>): Record<string, unknown> {
  const service = scope?.function ?? (typeof fields.function === 'string' ? fields.function : undefined) ?? process.env.K_SERVICE ?? process.env.FUNCTION_TARGET ?? 'numbers-platform';
  const version = process.env.K_REVISION;
  return {
    '@type': REPORTED_ERROR_EVENT,
    stack_trace: redactString(err.stack ?? `${err.name}: ${err.message}`),
    serviceContext: { service, ...(version ? { version } : {}) },
    ...(scope?.httpRequest ? { context: { httpRequest: { method: scope.httpRequest.method, url: redactUrl(scope.httpRequest.url) } } } : {}),
  };
}

/** A URL for a log line: credential-looking query values masked (e.g. ?token=…), as well as what redactString masks. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return redactString(url);
  const masked = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      let name = key;
      try {
        name = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        // keep the raw key
      }
      return eq >= 0 && SECRET_KEY.test(name) ? `${key}=${encodeURIComponent(MASK)}` : pair;
    })
    .join('&');
  return redactString(`${url.slice(0, query)}?${masked}`);
}

export interface AccessLogInput {
  method: string;
  url: string;
  status: number;
  latencyMs: number;
  userAgent?: string | undefined;
  remoteIp?: string | undefined;
  requestSize?: number | undefined;
  responseSize?: number | undefined;
  labels: Record<string, string | undefined>;
}

/**
 * The fields of a request's access line: `httpRequest` as Cloud Logging reads it (latency as a
 * Duration, "0.123s") and `logging.googleapis.com/labels` (string values only).
 */
export function accessLogFields(input: AccessLogInput): Record<string, unknown> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.labels)) if (typeof value === 'string' && value) labels[key] = value;
  return {
    httpRequest: {
      requestMethod: input.method,
      requestUrl: redactUrl(input.url),
      status: input.status,
      latency: `${(Math.max(0, input.latencyMs) / 1000).toFixed(3)}s`,
      ...(input.userAgent ? { userAgent: input.userAgent } : {}),
      ...(input.remoteIp ? { remoteIp: input.remoteIp } : {}),
      ...(input.requestSize ? { requestSize: String(input.requestSize) } : {}),
      ...(input.responseSize ? { responseSize: String(input.responseSize) } : {}),
    },
    'logging.googleapis.com/labels': labels,
  };
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  return {
    debug: (m, f) => write('DEBUG', m, { ...base, ...f }),
    info: (m, f) => write('INFO', m, { ...base, ...f }),
    warn: (m, f) => write('WARNING', m, { ...base, ...f }),
    error: (m, f) => write('ERROR', m, { ...base, ...f }),
    child: (f) => createLogger({ ...base, ...f }),
  };
}

/**
 * Cloud Logging correlates entries of one request through this field. (The request pipeline now sets
 * the whole trace context for every line: shared/trace.ts.)
 */
export function traceField(project: string | undefined, traceHeader: string | undefined): Record<string, string> {
  const traceId = traceHeader?.split('/')[0];
  if (!project || !traceId) return {};
  return { 'logging.googleapis.com/trace': `projects/${project}/traces/${traceId}` };
}

export const logger = createLogger();
