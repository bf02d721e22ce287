import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { DisconnectTollFreeBody, TollFreeNumberOrPending, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { disconnectNumber } from '../services/disconnect.js';
import { respond } from './respond.js';

/** An active number is disconnected at the registry (its pending routing versions withdrawn first; then referral, aging, spare); a reservation is released; a failed transfer’s record is removed. Idempotent. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, z.infer<typeof DisconnectTollFreeBody> | undefined, z.infer<typeof TollFreeNumberOrPending>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => respond(await disconnectNumber(deps)(caller.tenantId, params.number, body ?? {}, userContext(caller, requestId)));
export default operation;
