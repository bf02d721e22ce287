/**
 * Enough of Cloud Logging to check our log-based metrics against the lines the code writes:
 * - toLogEntry(): a JSON line as Cloud Run's logging agent turns it into a LogEntry (severity, the
 *   logging.googleapis.com/* fields, httpRequest and time taken out; the rest is jsonPayload);
 * - matchesFilter(): the subset of the Logging query language our filters use — comparisons
 *   (=, !=, :, <, <=, >, >=, =~, !~) on dotted paths, AND / OR / NOT / -, implicit AND, parentheses;
 * - extractLabel(): a label extractor, EXTRACT(path) or REGEXP_EXTRACT(path, "re").
 * https://cloud.google.com/logging/docs/view/logging-query-language
 */
export interface LogEntry {
  severity: string;
  jsonPayload: Record<string, unknown>;
  resource: { type: string; labels: Record<string, string> };
  labels?: Record<string, string>;
  httpRequest?: Record<string, unknown>;
  trace?: string;
  spanId?: string;
  traceSampled?: boolean;
  timestamp?: string;
}

const SPECIAL: Record<string, keyof LogEntry> = {
  severity: 'severity',
  time: 'timestamp',
  httpRequest: 'httpRequest',
  'logging.googleapis.com/trace': 'trace',
  'logging.googleapis.com/spanId': 'spanId',
  'logging.googleapis.com/trace_sampled': 'traceSampled',
  'logging.googleapis.com/labels': 'labels',
};

export function toLogEntry(line: string | Record<string, unknown>, resourceType = 'cloud_run_revision'): LogEntry {
  const raw = typeof line === 'string' ? (JSON.parse(line) as Record<string, unknown>) : line;
  const entry: LogEntry = { severity: 'DEFAULT', jsonPayload: {}, resource: { type: resourceType, labels: {} } };
  for (const [key, value] of Object.entries(raw)) {
    const special = SPECIAL[key];
    if (special) (entry as unknown as Record<string, unknown>)[special] = value;
    else if (!key.startsWith('logging.googleapis.com/')) entry.jsonPayload[key] = value;
  }
  return entry;
}

// --- the query language ------------------------------------------------------------------------------

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'cmp'; path: string[]; op: string; value: string };

const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const TOKEN = /\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(!=|>=|<=|=~|!~|=|:|<|>)|([^\s()"=:<>!]+))/y;

function tokenize(filter: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < filter.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(filter);
    if (!m) {
      if (/^\s*$/.test(filter.slice(start))) break;
      throw new Error(`cannot read the filter at ${start}: ${filter.slice(start, start + 20)}`);
    }
    tokens.push(m[0].trim());
  }
  return tokens.filter(Boolean);
}

export function parseFilter(filter: string): Node {
  const tokens = tokenize(filter);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++]!;
  const or = (): Node => {
    const items = [and()];
    while (peek() === 'OR') {
      next();
      items.push(and());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  };
  const and = (): Node => {
    const items = [unary()];
    while (peek() !== undefined && peek() !== ')' && peek() !== 'OR') {
      if (peek() === 'AND') next();
      items.push(unary());
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  };
  const unary = (): Node => {
    if (peek() === 'NOT' || peek() === '-') {
      next();
      return { kind: 'not', item: unary() };
    }
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new Error('missing )');
      return inner;
    }
    const field = next();
    const op = next();
    if (!/^(!=|>=|<=|=~|!~|=|:|<|>)$/.test(op ?? '')) throw new Error(`expected a comparison after ${field}, got ${op}`);
    const value = next();
    if (value === undefined) throw new Error(`no value after ${field}${op}`);
    return { kind: 'cmp', path: field.split('.').map(unquote), op, value: unquote(value) };
  };
  const node = or();
  if (i !== tokens.length) throw new Error(`unexpected ${tokens[i]} in ${filter}`);
  return node;
}

const unquote = (s: string) => (s.startsWith('"') ? (JSON.parse(s) as string) : s);

function lookup(entry: LogEntry, path: string[]): unknown {
  let current: unknown = entry;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A field's text as the filter compares it: a string as is, a number or boolean as written, an object (or array) as JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  return JSON.stringify(value);
}

function compare(actual: unknown, op: string, expected: string, isSeverity: boolean): boolean {
  if (actual === undefined || actual === null) return op === '!=';
  if (isSeverity) {
    const a = SEVERITIES.indexOf(textOf(actual));
    const b = SEVERITIES.indexOf(expected.toUpperCase());
    const ops: Record<string, boolean> = { '=': a === b, '!=': a !== b, '>=': a >= b, '<=': a <= b, '>': a > b, '<': a < b };
    if (op in ops) return ops[op]!;
  }
  if (typeof actual === 'object') return op === ':' && JSON.stringify(actual).toLowerCase().includes(expected.toLowerCase());
  const text = textOf(actual);
  switch (op) {
    case '=':
      return text === expected;
    case '!=':
      return text !== expected;
    case ':':
      return text.toLowerCase().includes(expected.toLowerCase());
    case '=~':
      return new RegExp(expected).test(text);
    case '!~':
      return !new RegExp(expected).test(text);
    default: {
      const [a, b] = typeof actual === 'number' ? [actual, Number(expected)] : [text, expected];
      return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
    }
  }
}

function evaluate(node: Node, entry: LogEntry): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, entry));
    case 'or':
      return node.items.some((n) => evaluate(n, entry));
    case 'not':
      return !evaluate(node.item, entry);
    case 'cmp':
      return compare(lookup(entry, node.path), node.op, node.value, node.path.length === 1 && node.path[0] === 'severity');
  }
}

export function matchesFilter(filter: string, entry: LogEntry): boolean {
  return evaluate(parseFilter(filter), entry);
}

/** The comparisons of a filter: which fields (and values) a matching line must have. */
export function filterComparisons(filter: string): { path: string[]; op: string; value: string }[] {
  const out: { path: string[]; op: string; value: string }[] = [];
  const walk = (node: Node) => {
    if (node.kind === 'cmp') out.push({ path: node.path, op: node.op, value: node.value });
    else if (node.kind === 'not') walk(node.item);
    else node.items.forEach(walk);
  };
  walk(parseFilter(filter));
  return out;
}

/** A label extractor's value for an entry (undefined when the field is missing or the regex does not match). */
export function extractLabel(extractor: string, entry: LogEntry): string | undefined {
  const plain = /^EXTRACT\(\s*([\w.]+)\s*\)$/.exec(extractor.trim());
  const regex = /^REGEXP_EXTRACT\(\s*([\w.]+)\s*,\s*("(?:[^"\\]|\\.)*")\s*\)$/.exec(extractor.trim());
  const path = (plain ?? regex)?.[1];
  if (!path) throw new Error(`unsupported label extractor ${extractor}`);
  const value = lookup(entry, path.split('.'));
  if (value === undefined || value === null) return undefined;
  const text = textOf(value);
  if (!regex) return text;
  return new RegExp(JSON.parse(regex[2]!) as string).exec(text)?.[1];
}
