import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { JobCallbackTask, JobFinalizeResult } from '../../../shared/api/schemas.js';
import { finalizeIfDone } from '../services/jobs.js';

/** Cloud Tasks target: checks whether a job has finished (debounced per job and window). */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof JobCallbackTask>, z.infer<typeof JobFinalizeResult>> =
  (deps) =>
  async ({ body, log }) => {
    await finalizeIfDone(deps, body.tenantId, body.jobId, log);
    return { body: { checked: true } };
  };
export default operation;
