import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { LocationId, LocationResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { deleteLocation } from '../../services/locations.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof LocationId>, Record<string, never>, undefined, z.infer<typeof LocationResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({
    body: toPublic(await deleteLocation(deps)(caller.tenantId, params.id, userContext(caller, requestId))),
  });
export default operation;
