import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { CreateNumberBody, PhoneNumberResource } from '../../shared/api/schemas.js';
import { userContext } from '../../shared/domain/audit.js';
import { purchaseNumber } from '../../shared/services/numbers/purchase.js';
import { toResource } from '../../shared/services/numbers/resource.js';

const operation: OperationFactory<{}, {}, z.infer<typeof CreateNumberBody>, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ body, caller, requestId, log }) => {
    const { capabilities, tags, ...rest } = body;
    const record = await purchaseNumber(deps)(
      {
        ...rest,
        tenantId: caller.tenantId,
        uid: caller.uid,
        ...(tags ? { tags: [...new Set(tags)] } : {}),
        ...(capabilities ? { channels: capabilities } : {}),
        audit: userContext(caller, requestId),
      },
      log,
    );
    return { status: 201, body: toResource(record), headers: { location: `/v1/numbers/${record.id}` } };
  };
export default operation;
