/**
 * Issue 14: Firestore TTL deletes a document only when its TTL field is a Timestamp. Idempotency keys
 * now store expiresAt as a Date (read back as a Timestamp) and still read keys stored as ISO strings.
 */
import { describe, expect, it } from 'vitest';
import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { createIdempotencyStore, hashKey } from '../../shared/store/idempotency-store.js';
import { paths } from '../../shared/store/firestore.js';

function fakeFirestore(docs: Map<string, Record<string, unknown>>, counts = { transactions: 0 }): Firestore {
  const ref = (path: string) => ({
    path,
    // As Firestore: a create where the document exists fails with ALREADY_EXISTS (6).
    create: async (data: Record<string, unknown>) => {
      if (docs.has(path)) throw Object.assign(new Error(`6 ALREADY_EXISTS: ${path}`), { code: 6 });
      docs.set(path, data);
    },
  });
  return {
    doc: ref,
    runTransaction: async (fn: (tx: unknown) => Promise<unknown>) =>
      ++counts.transactions &&
      fn({
        get: async (r: { path: string }) => ({ data: () => docs.get(r.path) }),
        set: (r: { path: string }, data: Record<string, unknown>) => void docs.set(r.path, data),
      }),
  } as unknown as Firestore;
}

describe('idempotency keys and their TTL field', () => {
  const now = new Date('2026-05-01T12:00:00Z');
  const path = paths.idempotencyKey('t1', hashKey('k1'));

  it('stores expiresAt as a Date, 24 h on', async () => {
    const docs = new Map<string, Record<string, unknown>>();
    const store = createIdempotencyStore(async () => fakeFirestore(docs));
    expect(await store.begin('t1', 'k1', 'fp', 60_000, now)).toEqual({ kind: 'run' });
    const stored = docs.get(path)!;
    expect(stored.expiresAt).toBeInstanceOf(Date);
    expect((stored.expiresAt as Date).getTime()).toBe(now.getTime() + 24 * 3600_000);
  });

  it('starts a new key with one create, and a key seen before in a transaction', async () => {
    const docs = new Map<string, Record<string, unknown>>();
    const counts = { transactions: 0 };
    const store = createIdempotencyStore(async () => fakeFirestore(docs, counts));
    expect(await store.begin('t1', 'k1', 'fp', 60_000, now)).toEqual({ kind: 'run' });
    expect(counts.transactions).toBe(0);
    await expect(store.begin('t1', 'k1', 'fp', 60_000, now)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/still being processed/) });
    await expect(store.begin('t1', 'k1', 'other', 60_000, now)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/different request/) });
    expect(counts.transactions).toBe(2);
  });

  it.each([
    ['a Timestamp', (ms: number) => Timestamp.fromMillis(ms)],
    ['an ISO string (keys stored before)', (ms: number) => new Date(ms).toISOString()],
  ])('reads expiresAt stored as %s: replayed before it, run again after it', async (_kind, stored) => {
    const completed = (expiresAt: unknown) => new Map([[path, { fingerprint: 'fp', state: 'completed', response: { status: 201, body: { id: 'n1' } }, expiresAt }]]);
    const live = createIdempotencyStore(async () => fakeFirestore(completed(stored(now.getTime() + 60_000))));
    expect(await live.begin('t1', 'k1', 'fp', 60_000, now)).toEqual({ kind: 'replay', response: { status: 201, body: { id: 'n1' } } });
    const expired = createIdempotencyStore(async () => fakeFirestore(completed(stored(now.getTime() - 1))));
    expect(await expired.begin('t1', 'k1', 'other-request', 60_000, now)).toEqual({ kind: 'run' });
  });
});
