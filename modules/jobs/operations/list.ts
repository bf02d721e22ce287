import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobsPage, ListPageQuery } from '../../../shared/api/schemas.js';
import { jobsRepository } from '../repository/jobs.js';
import { jobView } from '../services/jobs.js';
import { pageMeta } from '../../../shared/store/page.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof JobsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const jobs = jobsRepository(deps.db);
    const page = await jobs.listJobs(caller.tenantId, query.limit, query.cursor);
    return { body: { data: await Promise.all(page.items.map((job) => jobView(jobs, job, deps.now(), { readAt: page.readAt }))), ...pageMeta(page) } };
  };
export default operation;
