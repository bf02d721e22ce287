import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { RequirementGroupsPage, RequirementGroupsQuery } from '../../shared/api/schemas.js';
import { requirementGroups } from '../../shared/services/requirements/requirements.js';
import { toPublic } from '../../shared/services/resource.js';
import { pageMeta } from '../numbers/list.js';

const operation: OperationFactory<{}, z.infer<typeof RequirementGroupsQuery>, undefined, z.infer<typeof RequirementGroupsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await requirementGroups(deps.db).list(caller.tenantId, query.limit, query.cursor, query.country ? [['country', '==', query.country]] : []);
    return { body: { data: page.items.map(toPublic), ...pageMeta(page) } };
  };
export default operation;
