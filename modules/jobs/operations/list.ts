import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobsPage, ListPageQuery } from '../../../shared/api/schemas.js';
import { parseJob, type JobRecord } from '../../../shared/domain/job.js';
import { jobView } from '../services/jobs.js';
import { createTenantCollection } from '../../../shared/store/tenant-collection.js';
import { pageMeta } from '../../../shared/store/page.js';

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof JobsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const jobs = createTenantCollection<JobRecord>(deps.db, { collection: 'jobs', idPrefix: 'job', resource: 'jobs', label: 'Job', parse: parseJob });
    const page = await jobs.list(caller.tenantId, query.limit, query.cursor);
    const db = await deps.db();
    return { body: { data: await Promise.all(page.items.map((job) => jobView(db, job, deps.now()))), ...pageMeta(page) } };
  };
export default operation;
