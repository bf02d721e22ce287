import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RespOrgTransferId, RespOrgTransferResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { cancelTransfer } from '../../services/transfer-desk.js';

/** Withdraws the transfer's open RespOrg changes at the registry; completed items stay completed. */
const operation: OperationFactory<z.infer<typeof RespOrgTransferId>, Record<string, never>, undefined, z.infer<typeof RespOrgTransferResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: await cancelTransfer(deps)(caller.tenantId, params.id, userContext(caller, requestId)) });
export default operation;
