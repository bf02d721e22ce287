import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TextEnablementResource, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { textEnablementStatus } from '../services/sms.js';

/** The text-enablement state; a pending one is checked with TSS first. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, undefined, z.infer<typeof TextEnablementResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: await textEnablementStatus(deps)(caller.tenantId, params.number, userContext(caller, requestId)) });
export default operation;
