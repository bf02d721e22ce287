import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { NumberId, PhoneNumberResource, UpdateNumberBody } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { resolveNumberRef, updateNumber } from '../services/manage.js';
import { toResourceWithAccount } from '../services/resource.js';

const operation: OperationFactory<z.infer<typeof NumberId>, Record<string, never>, z.infer<typeof UpdateNumberBody>, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => {
    const number = await resolveNumberRef(deps, caller.tenantId, params.id);
    return { body: await toResourceWithAccount(deps, await updateNumber(deps)(caller.tenantId, number, body, userContext(caller, requestId))) };
  };
export default operation;
