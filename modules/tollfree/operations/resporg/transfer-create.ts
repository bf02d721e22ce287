import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { CreateRespOrgTransferBody, RespOrgTransferResponse } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { requestTransfer } from '../../services/transfers.js';

/** Asks the registry to move numbers to the tenant's RespOrg unit; tracked through its multi-day states. */
const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateRespOrgTransferBody>, z.infer<typeof RespOrgTransferResponse>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const result = await requestTransfer(deps)(
      caller.tenantId,
      {
        numbers: body.numbers,
        loaId: body.loaId,
        ...(body.loaReference ? { loaReference: body.loaReference } : {}),
        ...(body.fromRespOrgId ? { fromRespOrgId: body.fromRespOrgId } : {}),
      },
      userContext(caller, requestId),
    );
    if ('requestId' in result) return { status: 202, body: result, headers: { location: result.poll } };
    return { status: 201, body: result.transfer, headers: { location: `/v1/resporg/transfers/${result.transfer.id}` } };
  };
export default operation;
