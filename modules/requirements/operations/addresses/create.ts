import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { AddressResource, CreateAddressBody } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { addressResource, createAddress } from '../../services/addresses.js';

/** Get-or-create: 201 with a new address, 200 with the same one when it exists already. */
const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateAddressBody>, z.infer<typeof AddressResource>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const { record, created } = await createAddress(deps)(caller.tenantId, body, userContext(caller, requestId));
    return { status: created ? 201 : 200, body: addressResource(record), headers: { location: `/v1/addresses/${record.id}` } };
  };
export default operation;
