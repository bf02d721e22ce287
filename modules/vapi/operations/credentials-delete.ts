import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { VapiCredentialId, VapiCredentialResource } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { deleteVapiCredential, toCredentialResource } from '../services/import.js';

const operation: OperationFactory<z.infer<typeof VapiCredentialId>, Record<string, never>, undefined, z.infer<typeof VapiCredentialResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => {
    const removed = await deleteVapiCredential(deps)(caller.tenantId, params.id, userContext(caller, requestId));
    return { body: toCredentialResource(removed) };
  };
export default operation;
