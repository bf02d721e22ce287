import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TollFreeNumberOrPending, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { releaseReservation } from '../services/numbers.js';
import { respond } from './respond.js';

/** Back to spare at the registry (update status SPARE); the record stays, marked released. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, undefined, z.infer<typeof TollFreeNumberOrPending>> =
  (deps) =>
  async ({ params, caller, requestId }) =>
    respond(await releaseReservation(deps)(caller.tenantId, params.number, userContext(caller, requestId)));
export default operation;
