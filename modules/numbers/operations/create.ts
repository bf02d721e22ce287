import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { CreateNumberBody, PhoneNumberResource } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { purchaseNumber } from '../services/purchase.js';
import { toResourceWithAccount } from '../services/resource.js';
import { importVapiNumber } from '../../vapi/index.js';

/** Buys a number at a provider, or (provider "vapi") imports the tenant's number into Vapi. */
const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateNumberBody>, z.infer<typeof PhoneNumberResource>> =
  (deps) =>
  async ({ body, caller, requestId, log }) => {
    const audit = userContext(caller, requestId);
    let record;
    if (body.provider === 'vapi') {
      const { provider: _vapi, tags, ...rest } = body;
      record = await importVapiNumber(deps)(
        { ...rest, tenantId: caller.tenantId, uid: caller.uid, ...(tags ? { tags: [...new Set(tags)] } : {}), audit },
        log,
      );
    } else {
      const { capabilities, tags, ...rest } = body;
      record = await purchaseNumber(deps)(
        {
          ...rest,
          tenantId: caller.tenantId,
          uid: caller.uid,
          ...(tags ? { tags: [...new Set(tags)] } : {}),
          ...(capabilities ? { channels: capabilities } : {}),
          audit,
        },
        log,
      );
    }
    // The purchase shows which account paid: accountId, and account {id, kind platform|own, label}.
    return { status: 201, body: await toResourceWithAccount(deps, record), headers: { location: `/v1/numbers/${record.id}` } };
  };
export default operation;
