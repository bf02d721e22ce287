import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RequirementGroupResource, RequirementValueParams, SetRequirementValueBody } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { setValue } from '../../services/requirements.js';
import { toPublic } from '../../../../shared/services/resource.js';

/** {value} for a textual requirement, {addressId} (POST /v1/addresses) for an address requirement. */
const operation: OperationFactory<z.infer<typeof RequirementValueParams>, Record<string, never>, z.infer<typeof SetRequirementValueBody>, z.infer<typeof RequirementGroupResource>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => ({
    body: toPublic(await setValue(deps)(caller.tenantId, params.id, params.requirementId, body, userContext(caller, requestId))),
  });
export default operation;
