import type { Firestore, Query } from '@google-cloud/firestore';
import { z } from 'zod';
import type { AuditRecord } from '../domain/audit.js';
import { AppError } from '../http/errors.js';
import { readStored } from './tenant-collection.js';

/** An audit entry as recordAudit writes it (unknown fields kept). */
const StoredAuditRecord = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    at: z.string(),
    actor: z.union([
      z.object({ type: z.literal('user'), uid: z.string(), role: z.enum(['admin', 'member']) }).loose(),
      z.object({ type: z.literal('system'), name: z.string(), onBehalfOf: z.string().optional() }).loose(),
    ]),
    requestId: z.string(),
    action: z.string(),
    resource: z.string(),
    resourceType: z.string(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  })
  .loose();
const parseAuditRecord = (data: unknown): AuditRecord => StoredAuditRecord.parse(data);

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
  const items = snap.docs.slice(0, options.limit).map((d) => readStored(parseAuditRecord, d.data(), { collection: 'audit', id: d.id }));
  return { items, ...(snap.docs.length > options.limit ? { nextCursor: items.at(-1)!.id } : {}) };
}
