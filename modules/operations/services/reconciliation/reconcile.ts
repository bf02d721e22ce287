import { enqueueTask } from '../../../../shared/api/task-targets.js';
import { systemContext } from '../../../../shared/domain/audit.js';
import type { Deps } from '../../../../shared/deps.js';
import type { Logger } from '../../../../shared/log.js';
import { numberProviders, PLATFORM_ACCOUNT_ID, platformSecretName, type NumberProviderName } from '../../../../shared/providers/registry.js';
import type { NumberProvider, ProviderNumber } from '../../../../shared/providers/types.js';
import { SecretNotFoundError } from '../../../../shared/secrets/secret-store.js';
import { settlePendingPurchase } from '../../../numbers/index.js';
import { everyProviderAccount } from '../../../accounts/index.js';
import { createFindingsRepository, findingKey, type Drift } from '../../repository/findings.js';
import { TOLLFREE_PROVIDER } from './tollfree-job.js';

/**
 * Inventory reconciliation: what each provider account owns vs what Firestore says.
 * Drift becomes findings for people to act on; this code never buys, releases or deletes.
 */
export type { Finding, FindingKind } from '../../repository/findings.js';

export interface AccountJob {
  runId: string;
  /** somos: the toll-free numbers against the TFN Registry (one job for the platform). */
  provider: NumberProviderName | typeof TOLLFREE_PROVIDER;
  accountId: string;
  /** Set for tenant-owned accounts. */
  tenantId?: string;
}

const findingId = (kind: Drift['kind'], accountId: string, e164: string) => `${kind}_${accountId}_${e164.replace(/\D/g, '')}`;

type ReconcileDeps = Pick<Deps, 'db' | 'providers' | 'secrets' | 'tasks' | 'config' | 'now' | 'numbers' | 'log' | 'somos'>;

/** The scheduled entry point: one task per account, so each runs (and retries) on its own. */
export function startReconciliation(deps: ReconcileDeps) {
  return async (runId: string, log: Logger): Promise<{ accounts: number }> => {
    const jobs: AccountJob[] = [];
    for (const provider of numberProviders) {
      try {
        await deps.secrets.access(platformSecretName(provider));
        jobs.push({ runId, provider, accountId: PLATFORM_ACCOUNT_ID });
      } catch (err) {
        if (!(err instanceof SecretNotFoundError)) throw err; // no platform account for this provider
      }
    }
    jobs.push({ runId, provider: TOLLFREE_PROVIDER, accountId: PLATFORM_ACCOUNT_ID });
    // A corrupt account is logged (collection and id) and left out; the other accounts are still reconciled.
    for (const account of await everyProviderAccount(deps.db)) {
      if ((numberProviders as readonly string[]).includes(account.provider)) {
        jobs.push({ runId, provider: account.provider, accountId: account.id, tenantId: account.tenantId });
      }
    }
    for (const job of jobs) {
      await enqueueTask(deps, 'reconcileAccount', job, {
        id: `reconcile-${runId}-${job.tenantId ?? 'platform'}-${job.provider}-${job.accountId}`,
      });
    }
    log.info('reconciliation started', { runId, accounts: jobs.length });
    return { accounts: jobs.length };
  };
}

export interface AccountResult {
  ownedAtProvider: number;
  heldHere: number;
  opened: number;
  resolved: number;
  settledPending: number;
}

export function reconcileAccount(deps: ReconcileDeps) {
  return async (job: AccountJob, requestId: string, log: Logger): Promise<AccountResult> => {
    if (job.provider === TOLLFREE_PROVIDER) return (await import('./tollfree.js')).reconcileTollFree(deps)(job, requestId, log);
    const findingsRepo = createFindingsRepository(deps.db);
    const now = deps.now();
    const provider = await deps.providers.forAccount(job.tenantId ?? '', job.provider, job.accountId);
    const owned = await ownedNumbers(provider);
    const held = await deps.numbers.heldOnAccount(job);

    const findings: Drift[] = [];
    let settledPending = 0;
    for (const record of held.filter((r) => r.status === 'pending')) {
      const outcome = await settlePendingPurchase(deps)(record.tenantId, record.id, systemContext('reconciliation', requestId), log).catch(() => 'still_pending');
      if (outcome === 'activated' || outcome === 'not_bought') settledPending += 1;
    }
    const settled = held.filter((r) => r.status !== 'pending');
    // The one-tenant-per-number index: written for records older than it; two holders are a bug.
    const ownerChecks = await deps.numbers.ensureOwners(settled);
    for (const [i, record] of settled.entries()) {
      if (ownerChecks[i] === 'conflict') {
        log.error('number held by more than one tenant', { provider: job.provider, accountId: job.accountId, numberId: record.id, tenantId: record.tenantId });
        findings.push({
          id: findingId('held_by_two_tenants', job.accountId, record.phoneNumber),
          kind: 'held_by_two_tenants',
          provider: job.provider,
          accountId: job.accountId,
          phoneNumber: record.phoneNumber,
          numberId: record.id,
        });
      }
      if (!owned.has(record.phoneNumber)) {
        findings.push({
          id: findingId('missing_at_provider', job.accountId, record.phoneNumber),
          tenantId: record.tenantId,
          kind: 'missing_at_provider',
          provider: job.provider,
          accountId: job.accountId,
          phoneNumber: record.phoneNumber,
          numberId: record.id,
          ...(record.providerNumberId ? { providerNumberId: record.providerNumberId } : {}),
        });
      }
    }
    const heldByNumber = new Set(held.map((r) => r.phoneNumber));
    for (const [e164, number] of owned) {
      if (heldByNumber.has(e164)) continue;
      findings.push({
        id: findingId('unknown_here', job.accountId, e164),
        ...(job.tenantId ? { tenantId: job.tenantId } : {}),
        kind: 'unknown_here',
        provider: job.provider,
        accountId: job.accountId,
        phoneNumber: e164,
        providerNumberId: number.providerNumberId,
      });
    }

    // Upsert what drifts now; resolve what drifted before but no longer does.
    const at = now.toISOString();
    const seen = new Set(findings.map(findingKey));
    let opened = 0;
    for (const finding of findings) {
      if (await findingsRepo.upsert(finding, job.runId, at)) opened += 1;
    }
    let resolved = 0;
    for (const open of await findingsRepo.openForAccount(job)) {
      if (seen.has(open.key)) continue;
      await open.resolve(at, job.runId);
      resolved += 1;
    }
    const result = { ownedAtProvider: owned.size, heldHere: held.length, opened, resolved, settledPending };
    log.info('account reconciled', { ...job, ...result });
    return result;
  };
}

async function ownedNumbers(provider: NumberProvider): Promise<Map<string, ProviderNumber>> {
  const owned = new Map<string, ProviderNumber>();
  let pageToken: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await provider.list({ pageSize: 100, ...(pageToken ? { pageToken } : {}) });
    for (const number of page.numbers) owned.set(number.phoneNumber, number);
    if (!page.nextPageToken) break;
    pageToken = page.nextPageToken;
  }
  return owned;
}
