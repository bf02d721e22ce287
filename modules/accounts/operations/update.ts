import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ProviderAccountId, ProviderAccountResource, UpdateProviderAccountBody } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { toAccountResource, updateProviderAccount } from '../services/provider-accounts.js';

/** Rotates an account's credentials (verified first; the old secret version disabled once the new one works), or its label / default flag. */
const operation: OperationFactory<z.infer<typeof ProviderAccountId>, Record<string, never>, z.infer<typeof UpdateProviderAccountBody>, z.infer<typeof ProviderAccountResource>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => ({
    body: toAccountResource(
      await updateProviderAccount(deps)(
        caller.tenantId,
        params.id,
        {
          ...(body.credentials ? { credentials: body.credentials } : {}),
          ...(body.label !== undefined ? { label: body.label } : {}),
          ...(body.isDefault !== undefined ? { isDefault: body.isDefault } : {}),
        },
        userContext(caller, requestId),
      ),
    ),
  });
export default operation;
