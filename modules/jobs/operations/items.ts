import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobId, JobItemsPage, JobItemsQuery } from '../../../shared/api/schemas.js';
import { notFound } from '../../../shared/http/errors.js';
import { jobsRepository } from '../repository/jobs.js';

/** A job's items in order, optionally by state (e.g. ?state=failed to see what to retry). */
const operation: OperationFactory<z.infer<typeof JobId>, z.infer<typeof JobItemsQuery>, undefined, z.infer<typeof JobItemsPage>> =
  (deps) =>
  async ({ params, query, caller }) => {
    const jobs = jobsRepository(deps.db);
    if (!(await jobs.getJob(caller.tenantId, params.id))) throw notFound('Job');
    const page = await jobs.itemsPage(caller.tenantId, params.id, { ...(query.state ? { state: query.state } : {}), ...(query.cursor ? { cursor: query.cursor } : {}), limit: query.limit });
    const items = page.items.map(({ tenantId: _t, jobId: _j, leaseUntil: _l, ...rest }) => rest);
    return { body: { data: items, ...(page.more ? { nextCursor: String(items.at(-1)!.index) } : {}) } };
  };
export default operation;
