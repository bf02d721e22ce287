/**
 * The in-memory Firestore's query engine (test/helpers/memory-firestore-query.ts) answers as Firestore
 * does: filters, ordering, limit, startAfter, count, batches, and a transaction that read a query runs
 * again when a document matching it is written meanwhile.
 */
import { FieldValue, Timestamp, type Transaction } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { memoryFirestore } from '../helpers/memory-firestore.js';

const C = 'tenants/t1/things';

function arrange() {
  const mem = memoryFirestore();
  const rows: Record<string, unknown>[] = [
    { id: 'a', n: 3, tag: 'x', tags: ['red', 'blue'], meta: { rank: 2 }, at: '2026-01-03' },
    { id: 'b', n: 1, tag: 'y', tags: ['blue'], meta: { rank: 1 }, at: '2026-01-01' },
    { id: 'c', n: 2, tag: 'x', tags: [], meta: { rank: 3 }, at: '2026-01-02' },
    { id: 'd', n: 2, tag: null, at: '2026-01-02' },
    { id: 'e', n: 'two', at: '2026-01-05' }, // a string n: never in a numeric range
    { id: 'f', at: '2026-01-04' }, // no n, no tag
  ];
  for (const row of rows) mem.write(`${C}/${String(row.id)}`, row);
  mem.write('tenants/t2/things/a', { id: 'a', n: 3, tag: 'x' });
  mem.write(`${C}/a/sub/s1`, { id: 's1', n: 3 });
  const ids = async (q: { get(): Promise<{ docs: { id: string }[] }> }) => (await q.get()).docs.map((d) => d.id);
  return { mem, db: mem.firestore, ids };
}

describe('memory Firestore queries', () => {
  it('filters with each operator; a document without the field matches none, a value of another type no range', async () => {
    const { db, ids } = arrange();
    const things = db.collection(C);
    expect(await ids(things.where('tag', '==', 'x'))).toEqual(['a', 'c']);
    expect(await ids(things.where('tag', '!=', 'x'))).toEqual(['d', 'b']); // ordered by tag (null first); e and f have none
    expect(await ids(things.where('tag', 'not-in', ['y']))).toEqual(['a', 'c']); // not-in excludes null too
    expect(await ids(things.where('n', '<', 2))).toEqual(['b']);
    expect(await ids(things.where('n', '<=', 2))).toEqual(['b', 'c', 'd']);
    expect(await ids(things.where('n', '>', 2))).toEqual(['a']);
    expect(await ids(things.where('n', '>=', 2))).toEqual(['c', 'd', 'a']); // ordered by n, then path
    expect(await ids(things.where('n', 'in', [1, 3, 'two']))).toEqual(['a', 'b', 'e']);
    expect(await ids(things.where('tags', 'array-contains', 'blue'))).toEqual(['a', 'b']);
    expect(await ids(things.where('meta.rank', '>=', 2))).toEqual(['a', 'c']);
    expect(await ids(things.where('tag', '==', 'x').where('n', '==', 2))).toEqual(['c']);
    expect(await ids(things.where('tag', '==', null))).toEqual(['d']);
  });

  it('answers only the collection asked for (not another tenant’s, not a subcollection); a collection group spans them', async () => {
    const { db, ids } = arrange();
    expect(await ids(db.collection('tenants/t2/things'))).toEqual(['a']);
    expect((await db.collection(C).get()).size).toBe(6);
    const group = await db.collectionGroup('things').where('n', '==', 3).get();
    expect(group.docs.map((d) => d.ref.path)).toEqual([`${C}/a`, 'tenants/t2/things/a']);
  });

  it('orders by several fields (dot paths too), drops documents without an ordered field, and limits', async () => {
    const { db, ids } = arrange();
    const things = db.collection(C);
    expect(await ids(things.orderBy('at', 'desc').orderBy('id', 'desc'))).toEqual(['e', 'f', 'a', 'd', 'c', 'b']);
    expect(await ids(things.orderBy('meta.rank'))).toEqual(['b', 'a', 'c']);
    expect(await ids(things.orderBy('n'))).toEqual(['b', 'c', 'd', 'a', 'e']); // numbers before strings; f has no n
    expect(await ids(things.orderBy('at', 'desc').limit(2))).toEqual(['e', 'f']);
  });

  it('pages with startAfter on the ordered values: all of a partial cursor’s ties are skipped', async () => {
    const { db, ids } = arrange();
    const page = db.collection(C).orderBy('at', 'desc').orderBy('id', 'desc');
    expect(await ids(page.startAfter('2026-01-03', 'a').limit(2))).toEqual(['d', 'c']);
    expect(await ids(page.startAfter('2026-01-02', 'd'))).toEqual(['c', 'b']);
    expect(await ids(db.collection(C).orderBy('at').startAfter('2026-01-02'))).toEqual(['a', 'f', 'e']);
    expect(await ids(page.startAfter('2026-01-01', 'b'))).toEqual([]);
  });

  it('counts what a query matches', async () => {
    const { db } = arrange();
    expect((await db.collection(C).where('tag', '==', 'x').count().get()).data().count).toBe(2);
    expect((await db.collection('tenants/t3/things').count().get()).data().count).toBe(0);
  });

  it('commits a batch all or nothing', async () => {
    const { db, mem } = arrange();
    const ok = db.batch();
    ok.set(db.doc(`${C}/g`), { id: 'g', n: 7 });
    ok.update(db.doc(`${C}/a`), { 'meta.rank': 9, tag: FieldValue.delete() });
    ok.delete(db.doc(`${C}/b`));
    await ok.commit();
    expect(mem.read(`${C}/g`)).toEqual({ id: 'g', n: 7 });
    expect(mem.read(`${C}/a`)).toMatchObject({ meta: { rank: 9 } });
    expect(mem.read(`${C}/a`)).not.toHaveProperty('tag');
    expect(mem.read(`${C}/b`)).toBeUndefined();

    const failing = db.batch();
    failing.set(db.doc(`${C}/h`), { id: 'h' });
    failing.update(db.doc(`${C}/missing`), { n: 1 });
    await expect(failing.commit()).rejects.toThrow(/NOT_FOUND/);
    expect(mem.read(`${C}/h`)).toBeUndefined();
  });

  it('applies FieldValue.arrayUnion in an update: appends what is not there yet, equal elements once', async () => {
    const { db, mem } = arrange();
    await db.doc(`${C}/a`).update({ tags: FieldValue.arrayUnion('blue', 'green'), log: FieldValue.arrayUnion({ at: 1, ok: true }) });
    await db.doc(`${C}/a`).update({ log: FieldValue.arrayUnion({ at: 1, ok: true }, { at: 2, ok: false }) });
    expect(mem.read(`${C}/a`)).toMatchObject({ tags: ['red', 'blue', 'green'], log: [{ at: 1, ok: true }, { at: 2, ok: false }] });
    await expect(db.doc(`${C}/a`).set({ tags: FieldValue.arrayUnion('x') })).rejects.toThrow(/transform other than delete/);
  });

  it('merges a set with merge: true (FieldValue.delete() removes a field) and stores Dates as Timestamps', async () => {
    const { db, mem } = arrange();
    await db.doc(`${C}/a`).set({ meta: { seen: true }, tag: FieldValue.delete(), when: new Date('2026-02-01T00:00:00Z') }, { merge: true });
    const a = mem.read(`${C}/a`)!;
    expect(a).toMatchObject({ n: 3, meta: { rank: 2, seen: true } });
    expect(a).not.toHaveProperty('tag');
    expect(a.when).toBeInstanceOf(Timestamp);
    expect((a.when as Timestamp).toDate().toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('runs a transaction that read a query again when a matching document is written meanwhile', async () => {
    const { db, mem } = arrange();
    let attempts = 0;
    const count = await db.runTransaction(async (tx: Transaction) => {
      attempts++;
      const snap = await tx.get(db.collection(C).where('tag', '==', 'x'));
      if (attempts === 1) mem.write(`${C}/z`, { id: 'z', tag: 'x' }); // another writer, between read and commit
      tx.set(db.doc('tenants/t1/summary/x'), { count: snap.size });
      return snap.size;
    });
    expect(attempts).toBe(2);
    expect(count).toBe(3);
    expect(mem.read('tenants/t1/summary/x')).toEqual({ count: 3 });
    expect(mem.stats).toEqual({ commits: 1, retries: 1, reads: [] });
  });

  it('does not run it again when what is written meanwhile does not match the query', async () => {
    const { db, mem } = arrange();
    let attempts = 0;
    await db.runTransaction(async (tx: Transaction) => {
      attempts++;
      const total = await tx.get(db.collection(C).where('tag', '==', 'x').count());
      if (attempts === 1) mem.write(`${C}/z`, { id: 'z', tag: 'y' });
      expect(total.data().count).toBe(2);
    });
    expect(attempts).toBe(1);
  });

  it('refuses a query read after a write in a transaction, and what it does not support', async () => {
    const { db } = arrange();
    await expect(
      db.runTransaction(async (tx: Transaction) => {
        tx.set(db.doc(`${C}/y`), { id: 'y' });
        await tx.get(db.collection(C));
      }),
    ).rejects.toThrow(/read after a write/);
    expect(() => db.collection(C).offset(1)).toThrow('memory Firestore: CollectionReference.offset not supported');
    expect(() => db.collection(C).where('tags', 'array-contains-any', ['red'])).toThrow('memory Firestore: where operator array-contains-any not supported');
    const a = await db.doc(`${C}/a`).get();
    expect(() => db.collection(C).orderBy('id').startAfter(a)).toThrow(/startAfter\(documentSnapshot\) not supported/);
    expect(() => db.collection(C).where('n', 'in', [])).toThrow(/1 to 30 values/);
  });

  it('updates only if unchanged since read (lastUpdateTime), writes in bulk with retries, reads in a read-only transaction', async () => {
    const { db, mem } = arrange();
    const read = await db.doc(`${C}/a`).get();
    await db.doc(`${C}/a`).update({ n: 4 }, { lastUpdateTime: read.updateTime! });
    await expect(db.doc(`${C}/a`).update({ n: 5 }, { lastUpdateTime: read.updateTime! })).rejects.toMatchObject({ code: 9 });
    expect(mem.read(`${C}/a`)?.n).toBe(4);

    const writer = db.bulkWriter();
    const errors: number[] = [];
    writer.onWriteError((error) => (errors.push(error.code), false));
    const created = writer.create(db.doc(`${C}/new`), { id: 'new' });
    const exists = writer.create(db.doc(`${C}/b`), { id: 'b' }).catch((err: { code?: number }) => err.code);
    await writer.close();
    await created;
    expect(await exists).toBe(6);
    expect(errors).toEqual([6]);
    expect(mem.read(`${C}/new`)).toEqual({ id: 'new' });

    const count = await db.runTransaction(async (tx) => (await tx.get(db.collection(C).count())).data().count, { readOnly: true });
    expect(count).toBe(7);
    await expect(db.runTransaction(async (tx) => void tx.set(db.doc(`${C}/z`), {}), { readOnly: true })).rejects.toThrow(/read-only/);
    expect((await db.collection(C).where('tag', '==', 'x').select().limit(1).get()).size).toBe(1);
    expect(db.doc(`${C}/a`).parent.parent?.path).toBe('tenants/t1');
  });
});
