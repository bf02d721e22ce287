import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { NumberId, PhoneNumberResource } from '../../../shared/api/schemas.js';
import { resolveNumberRef } from '../services/manage.js';
import { toResourceWithAccount } from '../services/resource.js';

/** One number, by id or by the E.164 of a number the tenant holds; with the account that pays for it. */
const operation: OperationFactory<z.infer<typeof NumberId>, Record<string, never>, undefined, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: await toResourceWithAccount(deps, await resolveNumberRef(deps, caller.tenantId, params.id)) });
export default operation;
