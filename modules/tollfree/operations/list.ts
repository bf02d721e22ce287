import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ListTollFreeQuery, TollFreePage } from '../../../shared/api/schemas.js';
import { listTollFree } from '../services/inventory.js';

/** The tenant's toll-free numbers: filters, cursor pagination (newest first; soonest expiry first with expiringWithinDays). */
const operation: OperationFactory<Record<string, never>, z.infer<typeof ListTollFreeQuery>, undefined, z.infer<typeof TollFreePage>> =
  (deps) =>
  async ({ query, caller, requestId }) => {
    const { limit, cursor, ...filters } = query;
    return { body: await listTollFree(deps)(caller.tenantId, filters, limit, cursor, requestId) };
  };
export default operation;
