import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { NumberId, PhoneNumberResource, ReleaseNumberBody, ReleaseNumberQuery } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { releaseNumber, resolveNumberRef } from '../services/manage.js';
import { toResourceWithAccount } from '../services/resource.js';

/** Releases a number named by its id, or by the E.164 of a number the tenant holds (`DELETE /v1/numbers/+14155550123`). */
const operation: OperationFactory<
  z.infer<typeof NumberId>,
  z.infer<typeof ReleaseNumberQuery>,
  z.infer<typeof ReleaseNumberBody>,
  z.infer<typeof PhoneNumberResource>
> =
  (deps) =>
  async ({ params, query, body, caller, requestId }) => {
    const number = await resolveNumberRef(deps, caller.tenantId, params.id);
    const released = await releaseNumber(deps)(
      caller.tenantId,
      number,
      { force: query.force, recordsOnly: query.recordsOnly, ...(body?.reason ? { reason: body.reason } : {}) },
      userContext(caller, requestId),
    );
    return { body: await toResourceWithAccount(deps, released) };
  };
export default operation;
