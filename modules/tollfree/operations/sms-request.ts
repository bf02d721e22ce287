import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TextEnableBody, TextEnablementResource, TollFreeNumberParam } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { requestTextEnablement } from '../services/sms.js';

/** Asks TSS to text-enable the number; pending until the RespOrg decides (2 business days). */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, Record<string, never>, z.infer<typeof TextEnableBody>, z.infer<typeof TextEnablementResource>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => ({
    body: await requestTextEnablement(deps)(
      caller.tenantId,
      params.number,
      { sms: body.sms, mms: body.mms, ...(body.webhookUrl ? { webhookUrl: body.webhookUrl } : {}) },
      userContext(caller, requestId),
    ),
  });
export default operation;
