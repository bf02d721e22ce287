import type { Firestore, Query } from '@google-cloud/firestore';
import type { AuditRecord } from '../domain/audit.js';
import { AppError } from '../http/errors.js';

/** Newest first: audit ids sort by inverted time, so ordering by id is ordering by recency. */
export async function listAudit(
  db: Firestore,
  tenantId: string,
  options: { resource?: string; limit: number; cursor?: string },
): Promise<{ items: AuditRecord[]; nextCursor?: string }> {
  let query: Query = db.collection(`tenants/${tenantId}/audit`);
  if (options.resource) {
    query = options.resource.includes('/')
      ? query.where('resource', '==', options.resource)
      : query.where('resourceType', '==', options.resource);
  }
  query = query.orderBy('id');
  if (options.cursor) {
    if (!/^[0-9a-z]{11}_[0-9a-f]{10}$/.test(options.cursor)) {
      throw new AppError('VALIDATION_ERROR', 'cursor is not valid; pass the nextCursor of a previous page', {
        issues: [{ path: 'query.cursor', message: 'invalid cursor' }],
      });
    }
    query = query.startAfter(options.cursor);
  }
  const snap = await query.limit(options.limit + 1).get();
  const items = snap.docs.slice(0, options.limit).map((d) => d.data() as AuditRecord);
  return { items, ...(snap.docs.length > options.limit ? { nextCursor: items.at(-1)!.id } : {}) };
}
