import type { Query } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { encodeCursor, readPage } from '../../shared/store/page.js';

type Row = { id: string; createdAt: string };
const rows: Row[] = [
  { id: 'b', createdAt: '2026-01-02T00:00:00.000Z' },
  { id: 'a', createdAt: '2026-01-01T00:00:00.000Z' },
];

/** A query whose count answers only when released, recording what was asked when. */
function fakeQuery() {
  const events: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const page = {
    orderBy: () => page,
    startAfter: (...position: unknown[]) => (events.push(`after ${position.join(' ')}`), page),
    limit: () => page,
    get: async () => (events.push('page read'), { docs: rows.map((row) => ({ id: row.id, data: () => row })) }),
  };
  const query = {
    count: () => ({ get: async () => (events.push('count asked'), await released, events.push('counted'), { data: () => ({ count: 7 }) }) }),
    orderBy: () => page,
  };
  return { query: query as unknown as Query, events, release };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('readPage', () => {
  it("reads the first page while its total is counted, not after, and answers with both", async () => {
    const { query, events, release } = fakeQuery();
    const reading = readPage(query, 1, undefined, (data) => data as Row);
    await settle();
    expect(events).toEqual(['count asked', 'page read']);
    release();
    expect(await reading).toEqual({ items: [rows[0]], nextCursor: encodeCursor(rows[0]!), total: 7 });
  });

  it('counts nothing for a later page (after its cursor) or when no total is wanted', async () => {
    const later = fakeQuery();
    expect(await readPage(later.query, 5, encodeCursor(rows[0]!), (data) => data as Row)).toEqual({ items: rows });
    expect(later.events).toEqual([`after ${rows[0]!.createdAt} b`, 'page read']);
    const uncounted = fakeQuery();
    expect(await readPage(uncounted.query, 5, undefined, (data) => data as Row, false)).toEqual({ items: rows });
    expect(uncounted.events).toEqual(['page read']);
  });
});
