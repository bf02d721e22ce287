/** Bulk jobs: a search job's spec turned into concrete numbers (provider searches for purchase, registry searches for tollfree-reserve). */
import type { JobRecord } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import { searchAvailable } from '../../numbers/index.js';
import { jobsRepository } from '../repository/jobs.js';
import type { JobDeps, PurchaseSearch, TollFreeSearch } from './job-model.js';

/** The item for a number a job's search found. */
export function expandedItem(job: JobRecord, found: string): Record<string, unknown> {
  if (job.type !== 'tollfree-reserve') return { phoneNumber: found };
  const { contactName, contactPhone, notes } = job.search as unknown as TollFreeSearch;
  return { number: found, contactName, contactPhone, ...(notes ? { notes } : {}) };
}

/** The toll-free search (Somos) is loaded only by the jobs that expand one. */
export const expandTollFreeSearch = async (deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> =>
  (await import('./tollfree-search-expansion.js')).expandTollFreeSearch(deps, job, log);

/** A search spec becomes concrete numbers: distinct results of successive narrower searches. */
export async function expandSearch(deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> {
  const spec = job.search as unknown as PurchaseSearch;
  const found = new Set<string>();
  let failures = 0;
  const suffixes = ['', ...'0123456789'.split(''), ...[...Array(100).keys()].map((n) => String(n).padStart(2, '0'))];
  const jobs = jobsRepository(deps.db);
  for (const [i, extra] of suffixes.entries()) {
    if (found.size >= spec.quantity) break;
    // A long expansion (up to 111 searches) stops once its job has ended meanwhile.
    if (i % 10 === 9 && (await jobs.getJob(job.tenantId, job.id))?.finishedAt) break;
    const contains = `${spec.contains ?? ''}${extra}`;
    const result = await searchAvailable(deps)(job.tenantId, {
      provider: job.provider as NumberProviderName,
      country: spec.country,
      type: spec.type,
      limit: 100,
      ...(spec.areaCode ? { areaCode: spec.areaCode } : {}),
      ...(contains.length >= 2 ? { contains } : {}),
      ...(job.accountId ? { accountId: job.accountId } : {}),
    }).catch((err) => {
      failures++;
      log.warn('search during job expansion failed', { err });
      return { data: [] };
    });
    for (const n of result.data) if (found.size < spec.quantity) found.add(n.phoneNumber);
  }
  // Nothing found because the searches failed is not "no numbers": let Pub/Sub redeliver (and, in
  // the end, dead-letter the message, which fails the job with a reason).
  if (found.size === 0 && failures > 0) {
    throw new AppError('SERVICE_UNAVAILABLE', `The ${job.provider} searches for this job failed; retrying`, { retryable: true });
  }
  return [...found];
}
