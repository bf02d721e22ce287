import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { AuditPage, AuditQuery } from '../../../shared/api/schemas.js';
import { createAuditRepository } from '../repository/audit.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof AuditQuery>, undefined, z.infer<typeof AuditPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await createAuditRepository(deps.db).list(caller.tenantId, query);
    return { body: { data: page.items.map(({ tenantId: _t, resourceType: _r, ...rest }) => rest), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
  };
export default operation;
