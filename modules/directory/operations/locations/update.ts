import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { LocationId, LocationResource, UpdateLocationBody } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { updateLocation } from '../../services/locations.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof LocationId>, Record<string, never>, z.infer<typeof UpdateLocationBody>, z.infer<typeof LocationResource>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => ({
    body: toPublic(await updateLocation(deps)(caller.tenantId, params.id, body, userContext(caller, requestId))),
  });
export default operation;
