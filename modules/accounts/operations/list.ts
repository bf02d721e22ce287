import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ListPageQuery, ProviderAccountsPage } from '../../../shared/api/schemas.js';
import { providerAccountsCollection, toAccountResource } from '../services/provider-accounts.js';
import { pageMeta } from '../../../shared/store/page.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof ProviderAccountsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await providerAccountsCollection(deps.db).list(caller.tenantId, query.limit, query.cursor);
    return { body: { data: page.items.map(toAccountResource), ...pageMeta(page) } };
  };
export default operation;
