import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { AgentId, AgentResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { deleteAgent } from '../../services/agents.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof AgentId>, Record<string, never>, undefined, z.infer<typeof AgentResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({
    body: toPublic(await deleteAgent(deps)(caller.tenantId, params.id, userContext(caller, requestId))),
  });
export default operation;
