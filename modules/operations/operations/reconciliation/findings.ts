import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { FindingsPage, FindingsQuery } from '../../../../shared/api/schemas.js';
import type { Finding } from '../../services/reconciliation/reconcile.js';
import { AppError } from '../../../../shared/http/errors.js';

/** The tenant's reconciliation findings, most recently seen first. */
const operation: OperationFactory<Record<string, never>, z.infer<typeof FindingsQuery>, undefined, z.infer<typeof FindingsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const db = await deps.db();
    let q: FirebaseFirestore.Query = db.collection(`tenants/${caller.tenantId}/reconciliationFindings`);
    if (query.status) q = q.where('status', '==', query.status);
    if (query.kind) q = q.where('kind', '==', query.kind);
    q = q.orderBy('lastSeenAt', 'desc').orderBy('id');
    if (query.cursor) {
      const [lastSeenAt, id] = decode(query.cursor);
      q = q.startAfter(lastSeenAt, id);
    }
    const snap = await q.limit(query.limit + 1).get();
    const items = snap.docs.slice(0, query.limit).map((d) => {
      const { tenantId: _t, ...rest } = d.data() as Finding;
      return rest;
    });
    const last = items.at(-1);
    return {
      body: {
        data: items,
        ...(snap.docs.length > query.limit && last ? { nextCursor: Buffer.from(JSON.stringify([last.lastSeenAt, last.id])).toString('base64url') } : {}),
      },
    };
  };
export default operation;

function decode(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_ERROR', 'cursor is not valid; pass the nextCursor of a previous page', {
    issues: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });
}
