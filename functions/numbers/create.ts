import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { CreateNumberBody, PhoneNumberResource } from '../../shared/api/schemas.js';
import { purchaseNumber } from '../../shared/services/numbers/purchase.js';
import { toResource } from '../../shared/services/numbers/resource.js';

const operation: OperationFactory<{}, {}, z.infer<typeof CreateNumberBody>, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ body, caller, log }) => {
    const record = await purchaseNumber(deps)(
      {
        tenantId: caller.tenantId,
        uid: caller.uid,
        provider: body.provider,
        phoneNumber: body.phoneNumber,
        ...(body.accountId ? { accountId: body.accountId } : {}),
        ...(body.displayName ? { displayName: body.displayName } : {}),
        ...(body.tags ? { tags: [...new Set(body.tags)] } : {}),
        ...(body.capabilities ? { channels: body.capabilities } : {}),
        ...(body.webhookUrl ? { webhookUrl: body.webhookUrl } : {}),
      },
      log,
    );
    return { status: 201, body: toResource(record), headers: { location: `/v1/numbers/${record.id}` } };
  };
export default operation;
