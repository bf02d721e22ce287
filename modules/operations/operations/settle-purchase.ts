import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { SettlePurchaseTask, SettlePurchaseResult } from '../../../shared/api/schemas.js';
import { systemContext } from '../../../shared/domain/audit.js';
import { settlePendingPurchase } from '../../numbers/index.js';

/** Cloud Tasks target: settles a purchase whose request may have died half-way. */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof SettlePurchaseTask>, z.infer<typeof SettlePurchaseResult>> =
  (deps) =>
  async ({ body, requestId, log }) => ({
    body: {
      outcome: await settlePendingPurchase(deps)(body.tenantId, body.numberId, systemContext('purchase-follow-up', requestId), log, {
        ...(body.atProvider ? { atProvider: true } : {}),
        ...(body.retry ? { retry: body.retry } : {}),
        ...(body.key ? { key: body.key } : {}),
      }),
    },
  });
export default operation;
