import { randomBytes } from 'node:crypto';
import { Timestamp } from '@google-cloud/firestore';

/**
 * The query engine of the in-memory Firestore (memory-firestore.ts): collection and collection-group
 * queries with where (==, !=, <, <=, >, >=, in, not-in, array-contains; dot paths), several orderBy,
 * limit, startAfter(values) and count(), answered with Firestore's rules: a document lacking a filtered
 * or ordered field is not matched; values of different types never compare equal or in a range, and
 * order null < boolean < number < timestamp < string < array; ties are ordered by document path.
 */

export interface Stored {
  data: Record<string, unknown>;
  version: number;
}

type Op = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not-in' | 'array-contains';
const ops: readonly string[] = ['==', '!=', '<', '<=', '>', '>=', 'in', 'not-in', 'array-contains'];
const inequalities: readonly string[] = ['!=', '<', '<=', '>', '>=', 'not-in'];

export interface QuerySpec {
  /** A collection path, or a collection id for a collection-group query. */
  readonly collection: string;
  readonly group: boolean;
  readonly filters: readonly { field: string; op: Op; value: unknown }[];
  readonly orders: readonly { field: string; dir: 'asc' | 'desc' }[];
  readonly limit?: number;
  readonly after?: readonly unknown[];
}

export const unsupported = (what: string) => new Error(`memory Firestore: ${what} not supported`);

/**
 * Wraps one of the fake's API objects so that calling a member it does not have (select, offset,
 * onSnapshot, …) throws a clear error instead of returning undefined.
 */
export function strict<T extends object>(target: T, kind: string): T {
  const inspected = new Set(['then', 'toJSON', 'constructor', 'nodeType', 'tagName', 'asymmetricMatch', '$$typeof']);
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === 'symbol' || prop in t || inspected.has(prop) || prop.startsWith('@@')) return Reflect.get(t, prop, receiver) as unknown;
      throw unsupported(`${kind}.${prop}`);
    },
  });
}

/** The value at a dot path of a document's data (undefined when absent). */
export function fieldValue(data: Record<string, unknown> | undefined, field: string): unknown {
  let v: unknown = data;
  for (const part of field.split('.')) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function typeRank(v: unknown): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (v instanceof Timestamp || v instanceof Date) return 3;
  if (typeof v === 'string') return 4;
  if (Array.isArray(v)) return 8;
  throw unsupported(`comparing a value of this type (${Object.prototype.toString.call(v)})`);
}

/** Firestore's order of two values (of any types it compares). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'boolean' || typeof a === 'number') return Number(a) - Number(b);
  if (typeof a === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b as string)); // UTF-8 byte order, as Firestore
  if (ra === 3) return millis(a) - millis(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  return 0; // both null
}

const millis = (v: unknown) => (v instanceof Timestamp ? v.toMillis() : (v as Date).getTime());
const sameType = (a: unknown, b: unknown) => typeRank(a) === typeRank(b);
const equal = (a: unknown, b: unknown) => sameType(a, b) && compareValues(a, b) === 0;

function matches(data: Record<string, unknown>, filter: QuerySpec['filters'][number]): boolean {
  const v = fieldValue(data, filter.field);
  if (v === undefined) return false; // a document without the field matches no filter on it
  const { op, value } = filter;
  const list = value as unknown[];
  switch (op) {
    case '==':
      return equal(v, value);
    case '!=':
      return !equal(v, value);
    case 'in':
      return list.some((x) => equal(v, x));
    case 'not-in':
      return v !== null && !list.some((x) => equal(v, x));
    case 'array-contains':
      return Array.isArray(v) && v.some((x) => equal(x, value));
    default: {
      if (!sameType(v, value) || v === null) return false;
      const c = compareValues(v, value);
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
  }
}

function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareValues(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

function inScope(spec: QuerySpec, path: string): boolean {
  const parts = path.split('/');
  if (spec.group) return parts.at(-2) === spec.collection;
  return parts.length === spec.collection.split('/').length + 1 && path.startsWith(`${spec.collection}/`);
}

/** The documents a query answers, in its order, as [path, stored]. */
export function runQuery(spec: QuerySpec, docs: ReadonlyMap<string, Stored>): [string, Stored][] {
  // Firestore orders by the explicit fields, then by inequality fields not named there, then by path.
  const orders = [...spec.orders];
  for (const f of [...new Set(spec.filters.filter((f) => inequalities.includes(f.op)).map((f) => f.field))].sort()) {
    if (!orders.some((o) => o.field === f)) orders.push({ field: f, dir: 'asc' });
  }
  const lastDir = orders.at(-1)?.dir ?? 'asc';
  const key = (data: Record<string, unknown>) => orders.map((o) => fieldValue(data, o.field));
  const compareKeys = (a: unknown[], b: unknown[], n: number) => {
    for (let i = 0; i < n; i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return orders[i]!.dir === 'desc' ? -c : c;
    }
    return 0;
  };
  const after = spec.after;
  if (after && after.length > orders.length) throw unsupported('startAfter with more values than orderBy fields');
  let rows = [...docs]
    .filter(([path, e]) => inScope(spec, path) && spec.filters.every((f) => matches(e.data, f)))
    .map(([path, e]) => ({ path, e, key: key(e.data) }))
    .filter((r) => r.key.every((v) => v !== undefined)); // orderBy drops documents without the field
  rows.sort((a, b) => compareKeys(a.key, b.key, orders.length) || (lastDir === 'desc' ? -1 : 1) * comparePaths(a.path, b.path));
  if (after) rows = rows.filter((r) => compareKeys(r.key, [...after], after.length) > 0);
  if (spec.limit !== undefined) rows = rows.slice(0, spec.limit);
  return rows.map((r) => [r.path, r.e]);
}

/** What a query needs of the store: its documents and a snapshot/reference for a path. */
export interface QueryHost<S, R> {
  docs: ReadonlyMap<string, Stored>;
  snapshot(path: string): S;
  ref(path: string): R;
}

export interface QuerySnapshotLike<S> {
  docs: S[];
  empty: boolean;
  size: number;
  forEach(fn: (doc: S) => void): void;
}

export class Query<S, R> {
  constructor(
    readonly spec: QuerySpec,
    protected readonly host: QueryHost<S, R>,
  ) {}
  private next(change: Partial<QuerySpec>): Query<S, R> {
    return strict(new Query({ ...this.spec, ...change }, this.host), 'Query');
  }
  where(field: unknown, op?: unknown, value?: unknown): Query<S, R> {
    if (typeof field !== 'string') throw unsupported('where with a Filter or FieldPath');
    if (typeof op !== 'string' || !ops.includes(op)) throw unsupported(`where operator ${String(op)}`);
    if ((op === 'in' || op === 'not-in') && (!Array.isArray(value) || value.length === 0 || value.length > 30)) {
      throw new Error(`memory Firestore: '${op}' takes an array of 1 to 30 values (as Firestore)`);
    }
    return this.next({ filters: [...this.spec.filters, { field, op: op as Op, value }] });
  }
  orderBy(field: unknown, dir: unknown = 'asc'): Query<S, R> {
    if (typeof field !== 'string') throw unsupported('orderBy with a FieldPath (e.g. documentId())');
    if (dir !== 'asc' && dir !== 'desc') throw unsupported(`orderBy direction ${String(dir)}`);
    if (this.spec.after) throw new Error('memory Firestore: orderBy after startAfter');
    return this.next({ orders: [...this.spec.orders, { field, dir }] });
  }
  limit(n: number): Query<S, R> {
    return this.next({ limit: n });
  }
  startAfter(...values: unknown[]): Query<S, R> {
    if (values.some((v) => v !== null && typeof v === 'object' && 'ref' in v)) throw unsupported('startAfter(documentSnapshot)');
    return this.next({ after: values });
  }
  /** Answered with whole documents: the projection is not modelled (what reads the fields it selected sees them). */
  select(...fields: unknown[]): Query<S, R> {
    if (fields.some((f) => typeof f !== 'string')) throw unsupported('select with a FieldPath');
    return this.next({});
  }
  count(): CountQuery<S, R> {
    return strict(new CountQuery(this), 'AggregateQuery');
  }
  /** The snapshot of already-matched documents (a transaction's read uses it too). */
  snapshotOf(rows: [string, Stored][]): QuerySnapshotLike<S> {
    const docs = rows.map(([path]) => this.host.snapshot(path));
    return { docs, empty: docs.length === 0, size: docs.length, forEach: (fn) => docs.forEach(fn) };
  }
  async get(): Promise<QuerySnapshotLike<S>> {
    return this.snapshotOf(runQuery(this.spec, this.host.docs));
  }
}

export class CountQuery<S, R> {
  constructor(readonly query: Query<S, R>) {}
  async get(): Promise<{ data(): { count: number } }> {
    const count = (await this.query.get()).size;
    return { data: () => ({ count }) };
  }
}

export class CollectionRef<S, R> extends Query<S, R> {
  get id(): string {
    return this.spec.collection.split('/').at(-1)!;
  }
  get path(): string {
    return this.spec.collection;
  }
  /** The document the collection is under (null for a root collection). */
  get parent(): R | null {
    const parts = this.spec.collection.split('/');
    return parts.length > 1 ? this.host.ref(parts.slice(0, -1).join('/')) : null;
  }
  /** A document of the collection (a new random id when none is given). */
  doc(id: string = randomBytes(10).toString('hex')): R {
    return this.host.ref(`${this.spec.collection}/${id}`);
  }
}
