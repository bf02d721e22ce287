import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ActivateTollFreeBody, TollFreeNumberOrPending, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { activateNumber } from '../services/numbers.js';
import { respond } from './respond.js';

/** Creates the customer record (routing) of a reserved number. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, z.infer<typeof ActivateTollFreeBody>, z.infer<typeof TollFreeNumberOrPending>> =
  (deps) =>
  async ({ params, body, caller, requestId }) =>
    respond(
      await activateNumber(deps)(
        caller.tenantId,
        params.number,
        { routing: body.routing, ...(body.effectiveAt ? { effectiveAt: body.effectiveAt } : {}), ...(body.carriers ? { carriers: body.carriers } : {}) },
        userContext(caller, requestId),
      ),
    );
export default operation;
