import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { JobItemResult, JobItemTask } from '../../../shared/api/schemas.js';
import { runItem } from '../services/jobs.js';

/** Cloud Tasks target (queue per provider): one job item, one provider operation. */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof JobItemTask>, z.infer<typeof JobItemResult>> =
  (deps) =>
  async ({ body, task, log }) => ({ body: { outcome: await runItem(deps)(body, { retryCount: task.retryCount ?? 0 }, log) } });
export default operation;
