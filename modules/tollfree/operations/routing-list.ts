import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { RoutingVersionsResponse, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { listRoutingVersions } from '../services/routing-versions.js';

/** The current routing and the pending (future-dated) versions, with the registry's list of versions. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, undefined, z.infer<typeof RoutingVersionsResponse>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: await listRoutingVersions(deps)(caller.tenantId, params.number, userContext(caller, requestId)) });
export default operation;
