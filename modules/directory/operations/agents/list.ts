import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { ListPageQuery, AgentsPage } from '../../../../shared/api/schemas.js';
import { agentsCollection } from '../../services/agents.js';
import { toPublic } from '../../../../shared/services/resource.js';
import { pageMeta } from '../../../../shared/store/page.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof AgentsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await agentsCollection(deps.db).list(caller.tenantId, query.limit, query.cursor);
    return { body: { data: page.items.map(toPublic), ...pageMeta(page) } };
  };
export default operation;
