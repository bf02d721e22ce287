import { AppError } from '../http/errors.js';

/** A page of a tenant's list, and the opaque cursor of the next one (createdAt, id: the list's order). */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
  total?: number;
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
