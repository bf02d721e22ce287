import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { NumberId, PhoneNumberResource, ReleaseNumberBody, ReleaseNumberQuery } from '../../shared/api/schemas.js';
import { userContext } from '../../shared/domain/audit.js';
import { releaseNumber } from '../../shared/services/numbers/manage.js';
import { toResource } from '../../shared/services/numbers/resource.js';

const operation: OperationFactory<
  z.infer<typeof NumberId>,
  z.infer<typeof ReleaseNumberQuery>,
  z.infer<typeof ReleaseNumberBody>,
  z.infer<typeof PhoneNumberResource>
> =
  (deps) =>
  async ({ params, query, body, caller, requestId }) => ({
    body: toResource(
      await releaseNumber(deps)(
        caller.tenantId,
        params.id,
        { force: query.force, ...(body?.reason ? { reason: body.reason } : {}) },
        userContext(caller, requestId),
      ),
    ),
  });
export default operation;
