import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { NumberId, PhoneNumberResource } from '../../shared/api/schemas.js';
import { toResource } from '../../shared/services/numbers/resource.js';

const operation: OperationFactory<z.infer<typeof NumberId>, {}, undefined, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: toResource(await deps.numbers.require(caller.tenantId, params.id)) });
export default operation;
