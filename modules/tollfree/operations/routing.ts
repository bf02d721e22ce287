import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TollFreeNumberOrPending, TollFreeNumberParam, UpdateTollFreeRoutingBody } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { changeRouting } from '../services/numbers.js';
import { routingChangeInput } from '../services/routing-versions.js';
import { respond } from './respond.js';

/**
 * Updates the customer record now, or (effectiveAt in the future) adds a version that takes effect
 * then; mode 'disaster' routes everything to the disaster destination (without routing: the current one).
 */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, z.infer<typeof UpdateTollFreeRoutingBody>, z.infer<typeof TollFreeNumberOrPending>> =
  (deps) =>
  async ({ params, body, caller, requestId }) =>
    respond(
      await changeRouting(deps)(
        caller.tenantId,
        params.number,
        { ...(await routingChangeInput(deps, caller.tenantId, params.number, body)), ...(body.carriers ? { carriers: body.carriers } : {}) },
        userContext(caller, requestId),
      ),
    );
export default operation;
