import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RequirementGroupId, RequirementGroupResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { submitGroup } from '../../services/approval.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof RequirementGroupId>, Record<string, never>, undefined, z.infer<typeof RequirementGroupResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: toPublic(await submitGroup(deps)(caller.tenantId, params.id, userContext(caller, requestId))) });
export default operation;
