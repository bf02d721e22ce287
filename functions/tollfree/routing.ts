import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { TollFreeNumberOrPending, TollFreeNumberParam, UpdateTollFreeRoutingBody } from '../../shared/api/schemas.js';
import { userContext } from '../../shared/domain/audit.js';
import { changeRouting } from '../../shared/services/tollfree/numbers.js';
import { respond } from './respond.js';

/** Updates the customer record (now or at effectiveAt); mode 'disaster' routes everything to the disaster destination. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, {}, z.infer<typeof UpdateTollFreeRoutingBody>, z.infer<typeof TollFreeNumberOrPending>> =
  (deps) =>
  async ({ params, body, caller, requestId }) =>
    respond(
      await changeRouting(deps)(
        caller.tenantId,
        params.number,
        { routing: body.routing, ...(body.effectiveAt ? { effectiveAt: body.effectiveAt } : {}), ...(body.mode ? { mode: body.mode } : {}) },
        userContext(caller, requestId),
      ),
    );
export default operation;
