import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobsPage, ListPageQuery } from '../../../shared/api/schemas.js';
import { jobsRepository } from '../repository/jobs.js';
import { jobView } from '../services/jobs.js';
import { pageMeta } from '../../../shared/store/page.js';

const VIEWS_AT_ONCE = 10;

const operation: OperationFactory<Record<string, never>, z.infer<typeof ListPageQuery>, undefined, z.infer<typeof JobsPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const jobs = jobsRepository(deps.db);
    const page = await jobs.listJobs(caller.tenantId, query.limit, query.cursor);
    // Each unfinished job counts its items (five queries): ten jobs at a time, not a whole page at once.
    const data = [];
    for (let i = 0; i < page.items.length; i += VIEWS_AT_ONCE) {
      data.push(...(await Promise.all(page.items.slice(i, i + VIEWS_AT_ONCE).map((job) => jobView(jobs, job, deps.now(), { readAt: page.readAt })))));
    }
    return { body: { data, ...pageMeta(page) } };
  };
export default operation;
