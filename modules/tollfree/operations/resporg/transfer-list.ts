import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RespOrgTransfersPage, RespOrgTransfersQuery } from '../../../../shared/api/schemas.js';
import { listTransfers } from '../../services/transfer-desk.js';
import { pageMeta } from '../../../../shared/store/page.js';

/** The tenant's RespOrg transfers, newest first (?status, ?direction, ?number). */
const operation: OperationFactory<Record<string, never>, z.infer<typeof RespOrgTransfersQuery>, undefined, z.infer<typeof RespOrgTransfersPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await listTransfers(deps)(caller.tenantId, {
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.direction ? { direction: query.direction } : {}),
      ...(query.number ? { number: query.number } : {}),
    });
    return { body: { data: page.items, ...pageMeta(page) } };
  };
export default operation;
