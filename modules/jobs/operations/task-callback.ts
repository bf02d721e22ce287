import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { JobCallbackResult, JobCallbackTask } from '../../../shared/api/schemas.js';
import { deliverJobCallback } from '../services/callbacks.js';

const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof JobCallbackTask>, z.infer<typeof JobCallbackResult>> =
  (deps) =>
  async ({ body, task, log }) => ({ body: await deliverJobCallback(deps)(body.tenantId, body.jobId, (task.retryCount ?? 0) + 1, log) });
export default operation;
