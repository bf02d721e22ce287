import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../../shared/api/endpoint.js';
import type { ReconcileStartBody, ReconcileStartResult } from '../../../../shared/api/schemas.js';
import { startReconciliation } from '../../services/reconciliation/reconcile.js';

/** Cloud Scheduler target: fans the run out as one task per provider account. */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof ReconcileStartBody>, z.infer<typeof ReconcileStartResult>> =
  (deps) =>
  async ({ body, log }) => {
    const runId = body?.runId ?? `run-${deps.now().toISOString().replace(/[:.]/g, '-')}`;
    const { accounts } = await startReconciliation(deps)(runId, log);
    return { body: { runId, accounts } };
  };
export default operation;
