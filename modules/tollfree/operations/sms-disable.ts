import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TextEnablementResource, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { disableTextEnablement } from '../services/sms.js';

/** Turns text off again: withdraws a pending TSS request or disables an enabled number. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, undefined, z.infer<typeof TextEnablementResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: await disableTextEnablement(deps)(caller.tenantId, params.number, userContext(caller, requestId)) });
export default operation;
