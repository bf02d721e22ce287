import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RespOrgTransferId, RespOrgTransferResource } from '../../../../shared/api/schemas.js';
import { transfers, transferView } from '../../services/transfers.js';

const operation: OperationFactory<z.infer<typeof RespOrgTransferId>, Record<string, never>, undefined, z.infer<typeof RespOrgTransferResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: transferView(await transfers(deps.db).require(caller.tenantId, params.id)) });
export default operation;
