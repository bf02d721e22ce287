import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RespOrgEntitiesResponse } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { listEntities } from '../../services/transfers.js';
import { respond } from '../respond.js';

/** The tenant's RespOrg entity with all its units (active and not). */
const operation: OperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof RespOrgEntitiesResponse>> =
  (deps) =>
  async ({ caller, requestId }) =>
    respond(await listEntities(deps)(caller.tenantId, userContext(caller, requestId)));
export default operation;
