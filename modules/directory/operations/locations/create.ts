import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { CreateLocationBody, LocationResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { createLocation } from '../../services/locations.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateLocationBody>, z.infer<typeof LocationResource>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const record = await createLocation(deps)(caller.tenantId, body, userContext(caller, requestId));
    return { status: 201, body: toPublic(record), headers: { location: `/v1/locations/${record.id}` } };
  };
export default operation;
