import type { Firestore } from '@google-cloud/firestore';
import type { AuditRecord } from '../../../shared/domain/audit.js';
import { listAudit } from '../../../shared/store/audit-store.js';

/** The tenant's audit trail (`tenants/{tenantId}/audit`, written by every audited transaction), as the audit endpoint reads it. */
export function createAuditRepository(db: () => Promise<Firestore>) {
  return {
    /** Newest first; `resource`: one resource (`numbers/{id}`) or a resource type (`numbers`). */
    list: async (tenantId: string, options: { resource?: string; limit: number; cursor?: string }): Promise<{ items: AuditRecord[]; nextCursor?: string }> =>
      listAudit(await db(), tenantId, options),
  };
}
