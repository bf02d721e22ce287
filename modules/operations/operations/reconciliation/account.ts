import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../../shared/api/endpoint.js';
import type { ReconcileAccountResult, ReconcileAccountTask } from '../../../../shared/api/schemas.js';
import { reconcileAccount } from '../../services/reconciliation/reconcile.js';

/** Cloud Tasks target: reconciles one provider account (redelivery just repeats the comparison). */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof ReconcileAccountTask>, z.infer<typeof ReconcileAccountResult>> =
  (deps) =>
  async ({ body, requestId, log }) => {
    const { tenantId, ...job } = body;
    return { body: await reconcileAccount(deps)({ ...job, ...(tenantId ? { tenantId } : {}) }, requestId, log) };
  };
export default operation;
