import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RequirementGroupId, RequirementGroupStatusResponse } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { groupStatus } from '../../services/approval.js';
import { refreshGroup } from '../../services/approval.js';
import { requirementGroups } from '../../repository.js';

/** Progress, approval status and the provider's reasons; a submitted group is brought up to date from the provider first. */
const operation: OperationFactory<z.infer<typeof RequirementGroupId>, Record<string, never>, undefined, z.infer<typeof RequirementGroupStatusResponse>> =
  (deps) =>
  async ({ params, caller, requestId }) => {
    const record = await refreshGroup(deps)(await requirementGroups(deps.db).require(caller.tenantId, params.id), userContext(caller, requestId));
    return { body: groupStatus(record) };
  };
export default operation;
