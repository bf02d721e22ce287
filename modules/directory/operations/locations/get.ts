import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { LocationId, LocationResource } from '../../../../shared/api/schemas.js';
import { locationsCollection } from '../../services/locations.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof LocationId>, Record<string, never>, undefined, z.infer<typeof LocationResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: toPublic(await locationsCollection(deps.db).require(caller.tenantId, params.id)) });
export default operation;
