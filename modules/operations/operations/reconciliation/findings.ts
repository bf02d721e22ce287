import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { FindingsPage, FindingsQuery } from '../../../../shared/api/schemas.js';
import { createFindingsRepository } from '../../repository/findings.js';

/** The tenant's reconciliation findings, most recently seen first. */
const operation: OperationFactory<Record<string, never>, z.infer<typeof FindingsQuery>, undefined, z.infer<typeof FindingsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await createFindingsRepository(deps.db).list(caller.tenantId, query);
    return { body: { data: page.items.map(({ tenantId: _t, ...rest }) => rest), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
  };
export default operation;
