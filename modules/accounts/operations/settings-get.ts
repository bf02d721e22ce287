import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { TenantSettingsResource } from '../../../shared/api/schemas.js';
import { getTenantSettings } from '../services/tenant-settings.js';

const operation: OperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof TenantSettingsResource>> =
  (deps) =>
  async ({ caller }) => ({ body: await getTenantSettings(deps)(caller.tenantId) });
export default operation;
