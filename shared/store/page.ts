import type { Query, Timestamp } from '@google-cloud/firestore';
import { AppError } from '../http/errors.js';

/**
 * When a read was answered (Firestore's read time): reads made at it later see the same snapshot, at
 * once and side by side (no transaction to begin first). Passed along as it is, never looked into.
 */
export type ReadTime = Timestamp;

/** A page of a tenant's list, and the opaque cursor of the next one (createdAt, id: the list's order). */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
  total?: number;
  /** When the page was read. */
  readAt?: ReadTime;
}

export function encodeCursor(record: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_ERROR', 'cursor is not valid; pass the nextCursor of a previous page', {
    issues: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });
}

/** A page's metadata in an API answer: nextCursor when there is more, total when counted. */
export const pageMeta = (page: { nextCursor?: string; total?: number }) => ({
  ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  ...(page.total !== undefined ? { total: page.total } : {}),
});

/**
 * A page of `query`, newest first (createdAt, then id), after `cursor`. The first page also counts all
 * that `query` matches (unless `total` is false), while the page is read rather than before it.
 */
export async function readPage<T extends { createdAt: string; id: string }>(
  query: Query,
  limit: number,
  cursor: string | undefined,
  read: (data: unknown, id: string) => T,
  total = true,
): Promise<Page<T>> {
  const counting = cursor || !total ? undefined : query.count().get();
  counting?.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  let page = query.orderBy('createdAt', 'desc').orderBy('id', 'desc');
  if (cursor) {
    const position = decodeCursor(cursor);
    page = page.startAfter(position.createdAt, position.id);
  }
  const snap = await page.limit(limit + 1).get();
  const counted = counting ? (await counting).data().count : undefined;
  const items = snap.docs.slice(0, limit).map((d) => read(d.data(), d.id));
  const last = items.at(-1);
  return {
    items,
    ...(snap.docs.length > limit && last ? { nextCursor: encodeCursor(last) } : {}),
    ...(counted !== undefined ? { total: counted } : {}),
    ...(snap.readTime ? { readAt: snap.readTime } : {}),
  };
}
