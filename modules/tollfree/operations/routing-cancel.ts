import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { RoutingVersionsResponse, TollFreeRoutingVersionParams } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { cancelRoutingVersion } from '../services/routing-versions.js';

/** Withdraws a pending routing version (at the registry, then here); the current routing is untouched. */
const operation: OperationFactory<z.infer<typeof TollFreeRoutingVersionParams>, Record<string, never>, undefined, z.infer<typeof RoutingVersionsResponse>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({
    body: await cancelRoutingVersion(deps)(caller.tenantId, params.number, params.versionId, userContext(caller, requestId)),
  });
export default operation;
