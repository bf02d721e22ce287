import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RespOrgEntityId, RespOrgUnitsResponse } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { activeRoids } from '../../services/transfers.js';
import { respond } from '../respond.js';

/** The entity's active RespOrg units (another tenant's entity is not found). */
const operation: OperationFactory<z.infer<typeof RespOrgEntityId>, Record<string, never>, undefined, z.infer<typeof RespOrgUnitsResponse>> =
  (deps) =>
  async ({ params, caller, requestId }) =>
    respond(await activeRoids(deps)(caller.tenantId, params.entityId, userContext(caller, requestId)));
export default operation;
