import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { AgentId, AgentResource } from '../../../../shared/api/schemas.js';
import { agentsCollection } from '../../services/agents.js';
import { toPublic } from '../../../../shared/services/resource.js';

const operation: OperationFactory<z.infer<typeof AgentId>, Record<string, never>, undefined, z.infer<typeof AgentResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: toPublic(await agentsCollection(deps.db).require(caller.tenantId, params.id)) });
export default operation;
