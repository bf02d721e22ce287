import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { CreateJobBody, CreateJobResponse } from '../../../shared/api/schemas.js';
import { jobsRepository } from '../repository/jobs.js';
import { createJob, jobView } from '../services/jobs.js';

const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateJobBody>, z.infer<typeof CreateJobResponse>> =
  (deps) =>
  async ({ body, caller, idempotencyKey }) => {
    const { job, invalidItems, created } = await createJob(deps)(caller.tenantId, caller.uid, body, idempotencyKey);
    // A replayed creation shows its job as it is now; a new one as it was stored (no count queries).
    const view = await jobView(jobsRepository(deps.db), job, deps.now(), created ? { justCreated: true } : {});
    return {
      status: 202,
      body: { ...view, invalidItems: invalidItems.slice(0, 1000), invalidCount: invalidItems.length },
      headers: { location: `/v1/jobs/${job.id}` },
    };
  };
export default operation;
