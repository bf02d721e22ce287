import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TenantSettingsResource, UpdateTenantSettingsBody } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { updateTenantSettings } from '../services/tenant-settings.js';

const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof UpdateTenantSettingsBody>, z.infer<typeof TenantSettingsResource>> =
  (deps) =>
  async ({ body, caller, requestId }) => ({
    body: await updateTenantSettings(deps)(
      caller.tenantId,
      {
        ...(body.accountPolicy !== undefined ? { accountPolicy: body.accountPolicy } : {}),
        ...(body.tollfreeCarriers !== undefined ? { tollfreeCarriers: body.tollfreeCarriers } : {}),
      },
      userContext(caller, requestId),
    ),
  });
export default operation;
