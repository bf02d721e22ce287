import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { AddressesPage, AddressesQuery } from '../../../../shared/api/schemas.js';
import { addresses } from '../../repository.js';
import { addressResource } from '../../services/addresses.js';
import { pageMeta } from '../../../../shared/store/page.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof AddressesQuery>, undefined, z.infer<typeof AddressesPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const where: [string, '==', string][] = [];
    if (query.companyId) where.push(['companyId', '==', query.companyId]);
    if (query.country) where.push(['country', '==', query.country]);
    const page = await addresses(deps.db).list(caller.tenantId, query.limit, query.cursor, where);
    return { body: { data: page.items.map(addressResource), ...pageMeta(page) } };
  };
export default operation;
