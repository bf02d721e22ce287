import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RequirementGroupId, RequirementGroupResource } from '../../../../shared/api/schemas.js';
import { requirementGroups } from '../../repository.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof RequirementGroupId>, Record<string, never>, undefined, z.infer<typeof RequirementGroupResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: toPublic(await requirementGroups(deps.db).require(caller.tenantId, params.id)) });
export default operation;
