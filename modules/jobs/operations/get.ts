import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobId, JobResource } from '../../../shared/api/schemas.js';
import { notFound } from '../../../shared/http/errors.js';
import { jobsRepository } from '../repository/jobs.js';
import { jobView } from '../services/jobs.js';

const operation: OperationFactory<z.infer<typeof JobId>, Record<string, never>, undefined, z.infer<typeof JobResource>> =
  (deps) =>
  async ({ params, caller }) => {
    const jobs = jobsRepository(deps.db);
    const { job, readAt } = await jobs.readJob(caller.tenantId, params.id);
    if (!job) throw notFound('Job');
    return { body: await jobView(jobs, job, deps.now(), { readAt }) };
  };
export default operation;
