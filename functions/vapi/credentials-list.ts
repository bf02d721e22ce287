import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { ListPageQuery, VapiCredentialsPage } from '../../shared/api/schemas.js';
import { toPublic } from '../../shared/services/resource.js';
import { vapiCredentials } from '../../shared/services/vapi/import.js';
import { pageMeta } from '../numbers/list.js';

/** The tenant's own Vapi credentials (we never had their secrets: they went straight to Vapi). */
const operation: OperationFactory<{}, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof VapiCredentialsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await vapiCredentials(deps.db).list(caller.tenantId, query.limit, query.cursor);
    return { body: { data: page.items.map(({ createdBy: _c, ...rest }) => toPublic(rest)), ...pageMeta(page) } };
  };
export default operation;
