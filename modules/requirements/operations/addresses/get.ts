import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { AddressId, AddressResource } from '../../../../shared/api/schemas.js';
import { addresses } from '../../repository.js';
import { addressResource } from '../../services/addresses.js';

const operation: OperationFactory<z.infer<typeof AddressId>, Record<string, never>, undefined, z.infer<typeof AddressResource>> =
  (deps) =>
  async ({ params, caller }) => ({ body: addressResource(await addresses(deps.db).require(caller.tenantId, params.id)) });
export default operation;
