import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { ListPageQuery, LocationsPage } from '../../../../shared/api/schemas.js';
import { locationsCollection } from '../../services/locations.js';
import { toPublic } from '../../../../shared/services/resource.js';
import { pageMeta } from '../../../../shared/store/page.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof LocationsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await locationsCollection(deps.db).list(caller.tenantId, query.limit, query.cursor);
    return { body: { data: page.items.map(toPublic), ...pageMeta(page) } };
  };
export default operation;
