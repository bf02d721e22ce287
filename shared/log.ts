/**
 * JSON-lines logger in Cloud Logging's structured format. Every entry passes
 * through redact(): credentials never reach a log line, whatever a caller passes.
 */
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

function write(severity: Severity, message: string, fields: Record<string, unknown>): void {
  if (order.indexOf(severity) < order.indexOf(minLevel)) return;
  const entry = { severity, message: redactString(message), time: new Date().toISOString(), ...(redact(fields) as object) };
  sink(JSON.stringify(entry));
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

/** Cloud Logging correlates entries of one request through this field. */
export function traceField(project: string | undefined, traceHeader: string | undefined): Record<string, string> {
  const traceId = traceHeader?.split('/')[0];
  if (!project || !traceId) return {};
  return { 'logging.googleapis.com/trace': `projects/${project}/traces/${traceId}` };
}

export const logger = createLogger();
