import { FieldValue, Timestamp, type Firestore } from '@google-cloud/firestore';
import { isDeepStrictEqual } from 'node:util';
import { CollectionRef, CountQuery, Query, fieldValue, runQuery, strict, unsupported, type QueryHost, type Stored } from './memory-firestore-query.js';

/**
 * Enough of Firestore, in memory, for repositories and services to run in unit tests (no Java):
 * doc(path) references (get, set, create, update, delete); collection(path) and collectionGroup(id)
 * queries (memory-firestore-query.ts: where, orderBy, limit, startAfter, count); getAll; batch();
 * runTransaction with get (of a document, a query or a count)/getAll/set (merge)/create/update (dot
 * paths)/delete, whose writes apply at commit and which runs again when something it read changed
 * meanwhile — a document, or a query's answer (Firestore's optimistic concurrency, as the server's
 * retries appear to a client). FieldValue.delete() in update and merge, FieldValue.arrayUnion() in update;
 * Dates are stored as Timestamps.
 * Also: a snapshot's updateTime and update(data, { lastUpdateTime }) (FAILED_PRECONDITION, code 9, when the
 * document changed since); bulkWriter() (create/set/update/delete, onWriteError retries, close); a
 * read-only transaction ({ readOnly: true }); select(...) (answered with whole documents); a reference's parent.
 * Anything else throws "memory Firestore: … not supported".
 */
export interface MemoryFirestore {
  firestore: Firestore;
  /** A copy of the document at `path`, or undefined. */
  read(path: string): Record<string, unknown> | undefined;
  /** Writes a document directly (arranging a test). */
  write(path: string, data: Record<string, unknown>): void;
  /** Paths of the documents under a collection path (direct children). */
  list(collectionPath: string): string[];
  /** Transactions committed so far (a read-only one commits nothing), how many ran again after a conflict, and the documents read outside transactions (in order). */
  stats: { commits: number; retries: number; reads: string[] };
}

class Ref {
  constructor(
    readonly path: string,
    private readonly store: Store,
  ) {}
  get id(): string {
    return this.path.split('/').at(-1)!;
  }
  get parent() {
    return this.store.collection(this.path.split('/').slice(0, -1).join('/'));
  }
  /** A read outside a transaction. */
  async get(): Promise<Snapshot> {
    this.store.stats.reads.push(this.path);
    return this.store.snapshot(this.path);
  }
  collection(id: string) {
    return this.store.collection(`${this.path}/${id}`);
  }
  // Writes outside a transaction: one write, committed at once.
  async set(data: Record<string, unknown>, options?: SetOptions) {
    this.store.commit([setWrite(this.path, data, options)]);
  }
  async create(data: Record<string, unknown>) {
    this.store.commit([{ kind: 'create', path: this.path, data }]);
  }
  async update(data: Record<string, unknown>, precondition?: Precondition) {
    this.store.commit([updateWrite(this.path, data, precondition)]);
  }
  async delete() {
    this.store.commit([{ kind: 'delete', path: this.path }]);
  }
}

class Snapshot {
  constructor(
    readonly ref: Ref,
    private readonly value: Record<string, unknown> | undefined,
    private readonly version?: number,
  ) {}
  /** The document's version as a Timestamp (what update's lastUpdateTime precondition compares). */
  get updateTime(): Timestamp | undefined {
    return this.version === undefined ? undefined : Timestamp.fromMillis(this.version);
  }
  get exists(): boolean {
    return this.value !== undefined;
  }
  get id(): string {
    return this.ref.id;
  }
  data(): Record<string, unknown> | undefined {
    return this.value === undefined ? undefined : clone(this.value);
  }
  get(field: string): unknown {
    return clone(fieldValue(this.value, field));
  }
}

type SetOptions = { merge?: boolean; mergeFields?: unknown };
type Precondition = { lastUpdateTime?: unknown; exists?: unknown };
type Write = { kind: 'set' | 'merge' | 'create' | 'update' | 'delete'; path: string; data?: Record<string, unknown>; ifVersion?: number };

function updateWrite(path: string, data: Record<string, unknown>, precondition?: Precondition): Write {
  if (precondition === undefined) return { kind: 'update', path, data };
  if (!(precondition.lastUpdateTime instanceof Timestamp) || precondition.exists !== undefined) throw unsupported('update precondition other than lastUpdateTime');
  return { kind: 'update', path, data, ifVersion: precondition.lastUpdateTime.toMillis() };
}

function setWrite(path: string, data: Record<string, unknown>, options?: SetOptions): Write {
  if (options?.mergeFields !== undefined) throw unsupported('set with mergeFields');
  return { kind: options?.merge ? 'merge' : 'set', path, data };
}

const isDelete = (v: unknown) => v instanceof FieldValue && v.isEqual(FieldValue.delete());

/** FieldValue.arrayUnion(...)'s elements (the client keeps them on the sentinel), or undefined for any other value. */
function arrayUnionElements(v: unknown): unknown[] | undefined {
  if (!(v instanceof FieldValue) || v.constructor.name !== 'ArrayUnionTransform') return undefined;
  const elements: unknown = Reflect.get(v, 'elements');
  return Array.isArray(elements) ? elements : undefined;
}

/** An array field after arrayUnion: each element appended unless an equal one is there already (a non-array becomes []). */
function unionOf(current: unknown, elements: unknown[]): unknown[] {
  const next = Array.isArray(current) ? [...current] : [];
  for (const element of elements.map(stored)) if (!next.some((e) => isDeepStrictEqual(e, element))) next.push(element);
  return next;
}
const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

/** A value as Firestore stores it: undefined dropped (ignoreUndefinedProperties), Dates as Timestamps, no sentinels. */
function stored(value: unknown): unknown {
  if (value instanceof FieldValue) throw unsupported(`FieldValue ${isDelete(value) ? 'delete() outside update or merge' : 'transform other than delete()'}`);
  if (value instanceof Date) return Timestamp.fromDate(value);
  if (value instanceof Timestamp || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(stored);
  if (!isPlain(value)) throw unsupported(`storing a ${Object.prototype.toString.call(value)}`);
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, stored(v)]])));
}

/** A deep copy that keeps Timestamps (immutable) as they are. */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (isPlain(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
  return value;
}

function merge(target: Record<string, unknown>, data: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (isDelete(value)) delete target[key];
    else if (isPlain(value) && isPlain(target[key])) merge(target[key], value);
    else target[key] = stored(value);
  }
}

const MAX_ATTEMPTS = 5;

class Store implements QueryHost<Snapshot, Ref> {
  readonly docs = new Map<string, Stored>();
  readonly stats = { commits: 0, retries: 0, reads: [] as string[] };
  /** Versions come from one clock: a document deleted and written again never gets a version back. */
  private clock = 0;
  snapshot = (path: string) => strict(new Snapshot(this.ref(path), this.docs.get(path)?.data, this.docs.get(path)?.version), 'DocumentSnapshot');
  ref = (path: string) => {
    if (path.split('/').length % 2 !== 0) throw new Error(`memory Firestore: ${path} is not a document path`);
    return strict(new Ref(path, this), 'DocumentReference');
  };
  collection = (path: string) => {
    if (path.split('/').length % 2 !== 1) throw new Error(`memory Firestore: ${path} is not a collection path`);
    return strict(new CollectionRef<Snapshot, Ref>({ collection: path, group: false, filters: [], orders: [] }, this), 'CollectionReference');
  };
  pathOf(ref: unknown): string {
    if (!(ref instanceof Ref)) throw new Error('memory Firestore: not one of its document references');
    return ref.path;
  }

  /** Applies writes all or nothing (a failed precondition leaves every document as it was). */
  commit(writes: Write[]): void {
    const staged = new Map<string, Stored | undefined>();
    const current = (path: string) => (staged.has(path) ? staged.get(path) : this.docs.get(path));
    for (const w of writes) {
      const before = current(w.path);
      const version = ++this.clock;
      if (w.kind === 'delete') {
        staged.set(w.path, undefined);
        continue;
      }
      if (w.kind === 'create' && before) throw Object.assign(new Error(`ALREADY_EXISTS: ${w.path}`), { code: 6 });
      if (w.kind === 'update' && !before) throw Object.assign(new Error(`NOT_FOUND: ${w.path}`), { code: 5 });
      if (w.ifVersion !== undefined && before!.version !== w.ifVersion) throw Object.assign(new Error(`FAILED_PRECONDITION: ${w.path} changed`), { code: 9 });
      let data: Record<string, unknown>;
      if (w.kind === 'update') {
        data = clone(before!.data);
        for (const [field, value] of Object.entries(w.data!)) {
          const parts = field.split('.');
          let target = data;
          for (const part of parts.slice(0, -1)) target = isPlain(target[part]) ? target[part] : (target[part] = {});
          const union = arrayUnionElements(value);
          if (isDelete(value)) delete target[parts.at(-1)!];
          else if (union) target[parts.at(-1)!] = unionOf(target[parts.at(-1)!], union);
          else if (value !== undefined) target[parts.at(-1)!] = stored(value);
        }
      } else if (w.kind === 'merge') {
        data = clone(before?.data ?? {});
        merge(data, w.data!);
      } else {
        data = stored(w.data!) as Record<string, unknown>;
      }
      staged.set(w.path, { data, version });
    }
    for (const [path, entry] of staged) {
      if (entry) this.docs.set(path, entry);
      else this.docs.delete(path);
    }
  }

  batch() {
    const writes: Write[] = [];
    let committed = false;
    const batch = {
      set: (ref: unknown, data: Record<string, unknown>, options?: SetOptions) => (writes.push(setWrite(this.pathOf(ref), data, options)), batch),
      create: (ref: unknown, data: Record<string, unknown>) => (writes.push({ kind: 'create', path: this.pathOf(ref), data }), batch),
      update: (ref: unknown, data: Record<string, unknown>) => (writes.push({ kind: 'update', path: this.pathOf(ref), data }), batch),
      delete: (ref: unknown) => (writes.push({ kind: 'delete', path: this.pathOf(ref) }), batch),
      commit: async () => {
        if (committed) throw new Error('memory Firestore: a batch committed twice');
        committed = true;
        this.commit(writes);
        return [];
      },
    };
    return strict(batch, 'WriteBatch');
  }

  /** Each write committed on its own when the writer closes; a failed one is retried while onWriteError says so. */
  bulkWriter() {
    const pending: (() => void)[] = [];
    let retry: (error: { code?: number; failedAttempts: number }) => boolean = () => false;
    const enqueue = (write: Write) =>
      new Promise<unknown>((resolve, reject) =>
        pending.push(() => {
          for (let failedAttempts = 1; ; failedAttempts++) {
            try {
              this.commit([write]);
              return resolve({});
            } catch (err) {
              const code = (err as { code?: number }).code;
              if (failedAttempts >= 10 || !retry({ code, failedAttempts })) return reject(err instanceof Error ? err : new Error(String(err)));
            }
          }
        }),
      );
    const writer = {
      create: (ref: unknown, data: Record<string, unknown>) => enqueue({ kind: 'create', path: this.pathOf(ref), data }),
      set: (ref: unknown, data: Record<string, unknown>, options?: SetOptions) => enqueue(setWrite(this.pathOf(ref), data, options)),
      update: (ref: unknown, data: Record<string, unknown>, precondition?: Precondition) => enqueue(updateWrite(this.pathOf(ref), data, precondition)),
      delete: (ref: unknown) => enqueue({ kind: 'delete', path: this.pathOf(ref) }),
      onWriteError: (fn: typeof retry) => void (retry = fn),
      close: async () => {
        for (const write of pending.splice(0)) write();
      },
    };
    return strict(writer, 'BulkWriter');
  }

  async runTransaction<T>(fn: (tx: unknown) => Promise<T>, options?: unknown): Promise<T> {
    const readOnly = options !== undefined && JSON.stringify(options) === JSON.stringify({ readOnly: true });
    if (options !== undefined && !readOnly) throw unsupported('runTransaction options other than { readOnly: true }');
    for (let attempt = 1; ; attempt++) {
      const reads = new Map<string, number>();
      /** Each query read, and the answer it got (paths and versions): a different answer later is a conflict. */
      const queries: { query: Query<Snapshot, Ref>; answer: string }[] = [];
      const writes: Write[] = [];
      const answerOf = (query: Query<Snapshot, Ref>) => JSON.stringify(runQuery(query.spec, this.docs).map(([p, e]) => [p, e.version]));
      const write = (w: Write) => {
        if (readOnly) throw new Error('memory Firestore: a write in a read-only transaction');
        writes.push(w);
      };
      const readDoc = (ref: unknown) => {
        const path = this.pathOf(ref);
        if (writes.length) throw new Error('memory Firestore: a transaction read after a write (Firestore refuses it)');
        reads.set(path, this.docs.get(path)?.version ?? 0);
        return this.snapshot(path);
      };
      const tx = {
        get: async (target: unknown) => {
          const query = target instanceof CountQuery ? (target.query as Query<Snapshot, Ref>) : target instanceof Query ? (target as Query<Snapshot, Ref>) : undefined;
          if (!query) return readDoc(target);
          if (writes.length) throw new Error('memory Firestore: a transaction read after a write (Firestore refuses it)');
          const rows = runQuery(query.spec, this.docs);
          queries.push({ query, answer: answerOf(query) });
          const snap = query.snapshotOf(rows);
          return target instanceof CountQuery ? { data: () => ({ count: snap.size }) } : snap;
        },
        getAll: async (...refs: unknown[]) => refs.map(readDoc),
        set: (ref: unknown, data: Record<string, unknown>, options?: SetOptions) => (write(setWrite(this.pathOf(ref), data, options)), tx),
        create: (ref: unknown, data: Record<string, unknown>) => (write({ kind: 'create', path: this.pathOf(ref), data }), tx),
        update: (ref: unknown, data: Record<string, unknown>) => (write({ kind: 'update', path: this.pathOf(ref), data }), tx),
        delete: (ref: unknown) => (write({ kind: 'delete', path: this.pathOf(ref) }), tx),
      };
      const result = await fn(strict(tx, 'Transaction'));
      const conflict =
        [...reads].some(([path, version]) => (this.docs.get(path)?.version ?? 0) !== version) || queries.some((q) => answerOf(q.query) !== q.answer);
      if (conflict) {
        if (attempt >= MAX_ATTEMPTS) throw Object.assign(new Error('ABORTED: too much contention'), { code: 10 });
        this.stats.retries++;
        continue;
      }
      // A read-only transaction sends no commit (as the client does).
      if (!readOnly) {
        this.commit(writes);
        this.stats.commits++;
      }
      return result;
    }
  }
}

export function memoryFirestore(): MemoryFirestore {
  const store = new Store();
  const firestore = {
    doc: store.ref,
    collection: store.collection,
    collectionGroup: (id: string) => {
      if (id.includes('/')) throw new Error(`memory Firestore: a collection group id has no slash (${id})`);
      return strict(new Query<Snapshot, Ref>({ collection: id, group: true, filters: [], orders: [] }, store), 'Query');
    },
    getAll: async (...refs: unknown[]) =>
      refs.map((ref) => {
        store.stats.reads.push(store.pathOf(ref));
        return store.snapshot(store.pathOf(ref));
      }),
    batch: () => store.batch(),
    bulkWriter: () => store.bulkWriter(),
    runTransaction: <T>(fn: (tx: unknown) => Promise<T>, options?: unknown) => store.runTransaction(fn, options),
  };
  return {
    firestore: strict(firestore, 'Firestore') as unknown as Firestore,
    read: (path) => (store.docs.has(path) ? clone(store.docs.get(path)!.data) : undefined),
    write: (path, data) => store.commit([{ kind: 'set', path, data }]),
    list: (collectionPath) => [...store.docs.keys()].filter((p) => p.startsWith(`${collectionPath}/`) && !p.slice(collectionPath.length + 1).includes('/')),
    stats: store.stats,
  };
}
