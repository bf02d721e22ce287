import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ListNumbersQuery, NumbersPage } from '../../../shared/api/schemas.js';
import { pageMeta } from '../../../shared/store/page.js';
import { toResources } from '../services/resource.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListNumbersQuery>, undefined, z.infer<typeof NumbersPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const { limit, cursor, ...filters } = query;
    const page = await deps.numbers.list(caller.tenantId, filters, limit, cursor);
    return { body: { data: await toResources(deps, caller.tenantId, page.items), ...pageMeta(page) } };
  };
export default operation;
