import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TollFreeDetail, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { tollFreeDetailNow } from '../services/inventory.js';

/** Our record (status, routing, SMS state, RespOrg) plus the registry's current view; a lapsed reservation reads `expired`. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, undefined, z.infer<typeof TollFreeDetail>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: await tollFreeDetailNow(deps)(caller.tenantId, params.number, requestId) });
export default operation;
