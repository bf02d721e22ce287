import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { CreateAgentBody, AgentResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { createAgent } from '../../services/agents.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateAgentBody>, z.infer<typeof AgentResource>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const record = await createAgent(deps)(caller.tenantId, body, userContext(caller, requestId));
    return { status: 201, body: toPublic(record), headers: { location: `/v1/agents/${record.id}` } };
  };
export default operation;
