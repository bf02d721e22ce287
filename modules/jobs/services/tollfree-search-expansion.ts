/** Bulk jobs: a toll-free search job's numbers, found at the registry (loaded only by the jobs that expand one: it brings the Somos client). */
import type { JobRecord } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { callContext, MAX_QUANTITY, tenantSomos } from '../../tollfree/index.js';
import { jobsRepository } from '../repository/jobs.js';
import type { JobDeps, TollFreeSearch } from './job-model.js';

/**
 * A toll-free search spec becomes concrete numbers: random registry searches (at most 10 numbers
 * each, the registry's limit) until `quantity` distinct spare numbers are found, or the registry
 * stops offering new ones. The registry holds what it offered for a while against other RespOrgs;
 * each item then reserves its own number.
 */
export async function expandTollFreeSearch(deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> {
  const spec = job.search as unknown as TollFreeSearch;
  const settings = await tenantSomos(deps, job.tenantId);
  const { registry } = await deps.somos();
  const jobs = jobsRepository(deps.db);
  const found = new Set<string>();
  let failures = 0;
  let fruitless = 0;
  const maxSearches = Math.ceil(spec.quantity / MAX_QUANTITY) * 2 + 10;
  for (let i = 0; i < maxSearches && found.size < spec.quantity && fruitless < 3; i++) {
    if (i % 10 === 9 && (await jobs.getJob(job.tenantId, job.id))?.finishedAt) break;
    const qty = Math.min(MAX_QUANTITY, spec.quantity - found.size);
    try {
      const result = await registry.search(callContext(settings), { kind: 'random', qty, ...(spec.npa ? { npa: spec.npa } : {}), ...(spec.nxx ? { nxx: spec.nxx } : {}) });
      if (result.pending) {
        failures++; // a search answered later is not waited for here: the next one is asked
        continue;
      }
      const before = found.size;
      for (const num of result.data) if (found.size < spec.quantity) found.add(num);
      fruitless = found.size === before ? fruitless + 1 : 0;
    } catch (err) {
      failures++;
      log.warn('toll-free search during job expansion failed', { err });
    }
  }
  if (found.size === 0 && failures > 0) {
    throw new AppError('SERVICE_UNAVAILABLE', 'The registry searches for this job failed; retrying', { retryable: true });
  }
  return [...found];
}
