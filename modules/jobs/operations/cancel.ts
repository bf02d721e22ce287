import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobId, JobResource } from '../../../shared/api/schemas.js';
import { jobsRepository } from '../repository/jobs.js';
import { cancelJob, jobView } from '../services/jobs.js';

/** Items not started yet become cancelled; items already running finish. */
const operation: OperationFactory<z.infer<typeof JobId>, Record<string, never>, undefined, z.infer<typeof JobResource>> =
  (deps) =>
  async ({ params, caller, log }) => {
    const job = await cancelJob(deps)(caller.tenantId, params.id, log);
    return { body: await jobView(jobsRepository(deps.db), job, deps.now()) };
  };
export default operation;
