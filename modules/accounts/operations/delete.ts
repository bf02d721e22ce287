import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { DeleteWithForceQuery, ProviderAccountId, ProviderAccountResource } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { removeProviderAccount, toAccountResource } from '../services/provider-accounts.js';

const operation: OperationFactory<z.infer<typeof ProviderAccountId>, z.infer<typeof DeleteWithForceQuery>, undefined, z.infer<typeof ProviderAccountResource>> =
  (deps) =>
  async ({ params, query, caller, requestId }) => ({
    body: toAccountResource(await removeProviderAccount(deps)(caller.tenantId, params.id, query.force, userContext(caller, requestId))),
  });
export default operation;
