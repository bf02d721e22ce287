import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RequirementGroupsPage, RequirementGroupsQuery } from '../../../../shared/api/schemas.js';
import { requirementGroups } from '../../repository.js';
import { toPublic } from '../../../../shared/services/resource.js';
import { pageMeta } from '../../../../shared/store/page.js';

/** ?country= (the destination zone) and ?companyId= (one client company's groups). */
const operation: OperationFactory<Record<string, never>, z.infer<typeof RequirementGroupsQuery>, undefined, z.infer<typeof RequirementGroupsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const where: [string, '==', string][] = [];
    if (query.companyId) where.push(['companyId', '==', query.companyId]);
    if (query.country) where.push(['country', '==', query.country]);
    const page = await requirementGroups(deps.db).list(caller.tenantId, query.limit, query.cursor, where);
    return { body: { data: page.items.map(toPublic), ...pageMeta(page) } };
  };
export default operation;
