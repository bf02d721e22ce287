/**
 * The audit list (modules/operations/operations/audit-list.ts, through the operations repository) on
 * an in-memory Firestore: entries as the audited transactions write them, newest first, per tenant.
 */
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../shared/deps.js';
import { recordAudit, type AuditContext } from '../../shared/domain/audit.js';
import { logger } from '../../shared/log.js';
import auditList from '../../modules/operations/operations/audit-list.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';

const A = 'tenant-a';
const B = 'tenant-b';
const context: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };

function arrange() {
  const mem = memoryFirestore();
  const partial: Partial<Deps> = { db: async () => mem.firestore };
  const deps = partial as Deps;
  /** An audited change at minute `minute` of the day, as a workflow's transaction records it. */
  const audited = (tenantId: string, action: string, resource: string, minute: number) =>
    mem.firestore.runTransaction(async (tx) => {
      recordAudit(mem.firestore, tx, tenantId, context, { action, resource, after: { id: resource } }, new Date(Date.UTC(2026, 11, 1, 10, minute)));
    });
  const raw = { body: Buffer.alloc(0), headers: {}, url: '/' };
  const list = (tenantId: string, query: { limit: number; cursor?: string; resource?: string }) =>
    auditList(deps)({ params: {}, query, body: undefined, raw, requestId: 'req-2', log: logger, caller: { uid: 'u1', tenantId, role: 'admin' } });
  return { audited, list };
}

describe('audit list (in memory)', () => {
  it('lists the tenant’s entries newest first, a page at a time, and never another tenant’s', async () => {
    const { audited, list } = arrange();
    await audited(A, 'numbers.update', 'numbers/num_1', 1);
    await audited(A, 'locations.create', 'locations/loc_1', 3);
    await audited(B, 'numbers.update', 'numbers/num_b', 4);
    await audited(A, 'numbers.release', 'numbers/num_1', 2);

    const first = await list(A, { limit: 2 });
    const second = await list(A, { limit: 2, cursor: first.body.nextCursor! });

    expect(first.body.data.map((e) => e.action)).toEqual(['locations.create', 'numbers.release']);
    expect(second.body.data.map((e) => e.action)).toEqual(['numbers.update']);
    expect(second.body.nextCursor).toBeUndefined();
    expect(first.body.data[0]).not.toHaveProperty('tenantId');
    expect((await list(B, { limit: 10 })).body.data.map((e) => e.resource)).toEqual(['numbers/num_b']);
  });

  it('filters by resource or resource type, and refuses a cursor it did not give', async () => {
    const { audited, list } = arrange();
    await audited(A, 'numbers.update', 'numbers/num_1', 1);
    await audited(A, 'locations.create', 'locations/loc_1', 2);
    await audited(A, 'numbers.update', 'numbers/num_2', 3);

    expect((await list(A, { limit: 10, resource: 'numbers/num_1' })).body.data.map((e) => e.resource)).toEqual(['numbers/num_1']);
    expect((await list(A, { limit: 10, resource: 'numbers' })).body.data.map((e) => e.resource)).toEqual(['numbers/num_2', 'numbers/num_1']);
    expect(await refusal(list(A, { limit: 10, cursor: 'nope' }))).toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
