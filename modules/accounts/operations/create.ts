import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { CreateProviderAccountBody, ProviderAccountResource } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { addProviderAccount, toAccountResource } from '../services/provider-accounts.js';

const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateProviderAccountBody>, z.infer<typeof ProviderAccountResource>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const record = await addProviderAccount(deps)(caller.tenantId, body as never, userContext(caller, requestId), caller.uid);
    return { status: 201, body: toAccountResource(record), headers: { location: `/v1/provider-accounts/${record.id}` } };
  };
export default operation;
