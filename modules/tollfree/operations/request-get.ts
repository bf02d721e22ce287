import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TollFreeRequestId, TollFreeRequestResource } from '../../../shared/api/schemas.js';
import { tollfreeRequests } from '../services/requests.js';

/** A registry request that answered 202: pending, then completed (with its result) or failed. */
const operation: OperationFactory<z.infer<typeof TollFreeRequestId>, Record<string, never>, undefined, z.infer<typeof TollFreeRequestResource>> =
  (deps) =>
  async ({ params, caller }) => {
    const r = await tollfreeRequests(deps.db).require(caller.tenantId, params.id);
    // The registry's reqId, path and the follow-up's context stay internal.
    return {
      body: {
        id: r.id,
        operation: r.operation,
        status: r.status,
        ...(r.resource ? { resource: r.resource } : {}),
        ...(r.result !== undefined ? { result: r.result } : {}),
        ...(r.error ? { error: r.error } : {}),
        attempts: r.attempts,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        ...(r.completedAt ? { completedAt: r.completedAt } : {}),
      },
    };
  };
export default operation;
