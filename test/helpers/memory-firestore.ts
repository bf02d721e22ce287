import type { Firestore } from '@google-cloud/firestore';

/**
 * Enough of Firestore, in memory, for repositories' document work to run in unit tests (no Java):
 * doc(path) references; get; runTransaction with get/getAll/set/create/update (dot paths)/delete,
 * whose writes apply at commit and which runs again when a document it read changed meanwhile
 * (Firestore's optimistic concurrency, as the server's retries appear to a client). No queries.
 */
export interface MemoryFirestore {
  firestore: Firestore;
  /** A copy of the document at `path`, or undefined. */
  read(path: string): Record<string, unknown> | undefined;
  /** Writes a document directly (arranging a test). */
  write(path: string, data: Record<string, unknown>): void;
  /** Paths of the documents under a collection path (direct children). */
  list(collectionPath: string): string[];
  /** Transactions committed so far, and how many ran again after a conflict. */
  stats: { commits: number; retries: number };
}

interface Entry {
  data: Record<string, unknown>;
  version: number;
}

class Ref {
  constructor(
    readonly path: string,
    private readonly read: (ref: Ref) => Snapshot,
  ) {}
  get id(): string {
    return this.path.split('/').at(-1)!;
  }
  /** A read outside a transaction. */
  async get(): Promise<Snapshot> {
    return this.read(this);
  }
}

class Snapshot {
  constructor(
    readonly ref: Ref,
    private readonly value: Record<string, unknown> | undefined,
  ) {}
  get exists(): boolean {
    return this.value !== undefined;
  }
  get id(): string {
    return this.ref.id;
  }
  data(): Record<string, unknown> | undefined {
    return this.value === undefined ? undefined : structuredClone(this.value);
  }
  get(field: string): unknown {
    let v: unknown = this.value;
    for (const part of field.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v;
  }
}

type Write = { kind: 'set' | 'create' | 'update' | 'delete'; path: string; data?: Record<string, unknown> };

const MAX_ATTEMPTS = 5;

export function memoryFirestore(): MemoryFirestore {
  const docs = new Map<string, Entry>();
  const stats = { commits: 0, retries: 0 };
  const snapshot = (ref: Ref) => new Snapshot(ref, docs.get(ref.path)?.data);
  const refOf = (ref: unknown): Ref => {
    if (!(ref instanceof Ref)) throw new Error('memory Firestore: not one of its document references');
    return ref;
  };

  const apply = (w: Write) => {
    const current = docs.get(w.path);
    const version = (current?.version ?? 0) + 1;
    if (w.kind === 'delete') {
      docs.delete(w.path);
      return;
    }
    if (w.kind === 'create' && current) throw Object.assign(new Error(`ALREADY_EXISTS: ${w.path}`), { code: 6 });
    if (w.kind === 'update') {
      if (!current) throw Object.assign(new Error(`NOT_FOUND: ${w.path}`), { code: 5 });
      const next = structuredClone(current.data);
      for (const [field, value] of Object.entries(w.data!)) {
        const parts = field.split('.');
        let target = next;
        for (const part of parts.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
        target[parts.at(-1)!] = structuredClone(value);
      }
      docs.set(w.path, { data: next, version });
      return;
    }
    docs.set(w.path, { data: structuredClone(stripUndefined(w.data!)), version });
  };

  const firestore = {
    doc: (path: string) => new Ref(path, snapshot),
    async runTransaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const reads = new Map<string, number>();
        const writes: Write[] = [];
        const read = (ref: unknown) => {
          const r = refOf(ref);
          if (writes.length) throw new Error('memory Firestore: a transaction read after a write (Firestore refuses it)');
          reads.set(r.path, docs.get(r.path)?.version ?? 0);
          return snapshot(r);
        };
        const tx = {
          get: async (ref: unknown) => read(ref),
          getAll: async (...refs: unknown[]) => refs.map(read),
          set: (ref: unknown, data: Record<string, unknown>) => void writes.push({ kind: 'set', path: refOf(ref).path, data }),
          create: (ref: unknown, data: Record<string, unknown>) => void writes.push({ kind: 'create', path: refOf(ref).path, data }),
          update: (ref: unknown, data: Record<string, unknown>) => void writes.push({ kind: 'update', path: refOf(ref).path, data }),
          delete: (ref: unknown) => void writes.push({ kind: 'delete', path: refOf(ref).path }),
        };
        const result = await fn(tx);
        const conflict = [...reads].some(([path, version]) => (docs.get(path)?.version ?? 0) !== version);
        if (conflict) {
          if (attempt >= MAX_ATTEMPTS) throw Object.assign(new Error('ABORTED: too much contention'), { code: 10 });
          stats.retries++;
          continue;
        }
        for (const w of writes) apply(w);
        stats.commits++;
        return result;
      }
    },
    collection: () => {
      throw new Error('memory Firestore: queries are not supported; use the emulator suite');
    },
  };
  return {
    firestore: firestore as unknown as Firestore,
    read: (path) => (docs.has(path) ? structuredClone(docs.get(path)!.data) : undefined),
    write: (path, data) => apply({ kind: 'set', path, data }),
    list: (collectionPath) => [...docs.keys()].filter((p) => p.startsWith(`${collectionPath}/`) && !p.slice(collectionPath.length + 1).includes('/')),
    stats,
  };
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
