import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { CreateRequirementGroupBody, RequirementGroupResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { getOrCreateGroup } from '../../services/requirements.js';
import { toPublic } from '../../../../shared/services/resource.js';

/** Get-or-create: one group per (tenant, country, type, action); 201 when created, 200 when it existed. */
const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateRequirementGroupBody>, z.infer<typeof RequirementGroupResource>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const { record, created } = await getOrCreateGroup(deps)(caller.tenantId, body, userContext(caller, requestId));
    return { status: created ? 201 : 200, body: toPublic(record), headers: { location: `/v1/requirement-groups/${record.id}` } };
  };
export default operation;
