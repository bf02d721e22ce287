/** Bulk jobs: a search job's spec turned into concrete numbers (provider searches for purchase, registry searches for tollfree-reserve). */
import type { JobRecord } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import { searchAvailable } from '../../numbers/services/search.js';
import { type JobDeps, jobPath, type PurchaseSearch, type TollFreeSearch } from './job-model.js';

/** The item for a number a job's search found. */
export function expandedItem(job: JobRecord, found: string): Record<string, unknown> {
  if (job.type !== 'tollfree-reserve') return { phoneNumber: found };
  const { contactName, contactPhone, notes } = job.search as unknown as TollFreeSearch;
  return { number: found, contactName, contactPhone, ...(notes ? { notes } : {}) };
}

/**
 * A toll-free search spec becomes concrete numbers: random registry searches (at most 10 numbers
 * each, the registry's limit) until `quantity` distinct spare numbers are found, or the registry
 * stops offering new ones. The registry holds what it offered for a while against other RespOrgs;
 * each item then reserves its own number.
 */
export async function expandTollFreeSearch(deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> {
  const spec = job.search as unknown as TollFreeSearch;
  const { callContext, tenantSomos } = await import('../../tollfree/services/platform.js');
  const { MAX_QUANTITY } = await import('../../tollfree/services/search-spec.js');
  const settings = await tenantSomos(deps, job.tenantId);
  const { registry } = await deps.somos();
  const jobRef = (await deps.db()).doc(jobPath(job.tenantId, job.id));
  const found = new Set<string>();
  let failures = 0;
  let fruitless = 0;
  const maxSearches = Math.ceil(spec.quantity / MAX_QUANTITY) * 2 + 10;
  for (let i = 0; i < maxSearches && found.size < spec.quantity && fruitless < 3; i++) {
    if (i % 10 === 9 && (await jobRef.get()).get('finishedAt')) break;
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

/** A search spec becomes concrete numbers: distinct results of successive narrower searches. */
export async function expandSearch(deps: JobDeps, job: JobRecord, log: Logger): Promise<string[]> {
  const spec = job.search as unknown as PurchaseSearch;
  const found = new Set<string>();
  let failures = 0;
  const suffixes = ['', ...'0123456789'.split(''), ...[...Array(100).keys()].map((n) => String(n).padStart(2, '0'))];
  const jobRef = (await deps.db()).doc(jobPath(job.tenantId, job.id));
  for (const [i, extra] of suffixes.entries()) {
    if (found.size >= spec.quantity) break;
    // A long expansion (up to 111 searches) stops once its job has ended meanwhile.
    if (i % 10 === 9 && (await jobRef.get()).get('finishedAt')) break;
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
