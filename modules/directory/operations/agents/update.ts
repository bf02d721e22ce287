import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { AgentId, AgentResource, UpdateAgentBody } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { updateAgent } from '../../services/agents.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof AgentId>, Record<string, never>, z.infer<typeof UpdateAgentBody>, z.infer<typeof AgentResource>> =
  (deps) =>
  async ({ params, body, caller, requestId }) => ({
    body: toPublic(await updateAgent(deps)(caller.tenantId, params.id, body, userContext(caller, requestId))),
  });
export default operation;
