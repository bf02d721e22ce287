import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ListPageQuery, VapiCredentialsPage } from '../../../shared/api/schemas.js';
import { numbersUsingCredential, vapiCredentials } from '../repository.js';
import { toCredentialResource } from '../services/import.js';
import { pageMeta } from '../../../shared/store/page.js';

/** The tenant's own Vapi credentials (we never had their secrets: they went straight to Vapi), each with the numbers using it. */
const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof VapiCredentialsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await vapiCredentials(deps.db).list(caller.tenantId, query.limit, query.cursor);
    const data = await Promise.all(page.items.map(async (record) => toCredentialResource(record, await numbersUsingCredential(deps.db, caller.tenantId, record.id))));
    return { body: { data, ...pageMeta(page) } };
  };
export default operation;
