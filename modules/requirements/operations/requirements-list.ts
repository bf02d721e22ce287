import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { RequirementsQuery, RequirementsResponse } from '../../../shared/api/schemas.js';
import { listRequirements } from '../services/requirements.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof RequirementsQuery>, undefined, z.infer<typeof RequirementsResponse>> =
  (deps) =>
  async ({ query, caller }) => ({ body: { ...query, ...(await listRequirements(deps)(caller.tenantId, query)) } });
export default operation;
