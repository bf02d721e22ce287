import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { NumberId, PhoneNumberResource, ReleaseNumberBody } from '../../shared/api/schemas.js';
import { releaseNumber } from '../../shared/services/numbers/manage.js';
import { toResource } from '../../shared/services/numbers/resource.js';

const operation: OperationFactory<z.infer<typeof NumberId>, {}, z.infer<typeof ReleaseNumberBody>, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ params, body, caller }) => ({
    body: toResource(await releaseNumber(deps)(caller.tenantId, params.id, body?.reason)),
  });
export default operation;
