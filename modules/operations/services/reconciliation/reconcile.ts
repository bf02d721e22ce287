import type { Firestore, Query } from '@google-cloud/firestore';
import { enqueueTask } from '../../../../shared/api/task-targets.js';
import { systemContext } from '../../../../shared/domain/audit.js';
import { holdingStatuses, type NumberRecord } from '../../../../shared/domain/number.js';
import type { Deps } from '../../../../shared/deps.js';
import type { Logger } from '../../../../shared/log.js';
import { numberProviders, PLATFORM_ACCOUNT_ID, platformSecretName, type NumberProviderName } from '../../../../shared/providers/registry.js';
import type { NumberProvider, ProviderNumber } from '../../../../shared/providers/types.js';
import { SecretNotFoundError } from '../../../../shared/secrets/secret-store.js';
import { settlePendingPurchase } from '../../../numbers/index.js';
import { parseProviderAccount, type ProviderAccountRecord } from '../../../accounts/index.js';
import { readStored } from '../../../../shared/store/tenant-collection.js';
import type { TollFreeFindingKind } from './tollfree.js';
import { TOLLFREE_PROVIDER } from './tollfree-job.js';

/**
 * Inventory reconciliation: what each provider account owns vs what Firestore says.
 * Drift becomes findings for people to act on; this code never buys, releases or deletes.
 */
export type FindingKind =
  /** Held here (active/inactive) but the provider account no longer owns it. */
  | 'missing_at_provider'
  /** Owned by the provider account but not held by anyone here. */
  | 'unknown_here'
  /** Toll-free (tollfree.ts): the registry's status or controlling RespOrg differs from ours. */
  | TollFreeFindingKind;

/** Held by two tenants (records from before the owner index): a finding for the operator only, never shown to tenants. */
type OperatorFindingKind = FindingKind | 'held_by_two_tenants';

export interface Finding {
  id: string;
  /** Absent for platform-account numbers no tenant holds (operator-only findings). */
  tenantId?: string;
  kind: FindingKind;
  provider: NumberProviderName | typeof TOLLFREE_PROVIDER;
  accountId: string;
  phoneNumber: string;
  numberId?: string;
  providerNumberId?: string;
  status: 'open' | 'resolved';
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt?: string;
  runId: string;
}

export interface AccountJob {
  runId: string;
  /** somos: the toll-free numbers against the TFN Registry (one job for the platform). */
  provider: NumberProviderName | typeof TOLLFREE_PROVIDER;
  accountId: string;
  /** Set for tenant-owned accounts. */
  tenantId?: string;
}

const findingsPath = (tenantId: string | undefined) =>
  tenantId ? `tenants/${tenantId}/reconciliationFindings` : 'platform/reconciliation/findings';
const findingId = (kind: OperatorFindingKind, accountId: string, e164: string) => `${kind}_${accountId}_${e164.replace(/\D/g, '')}`;

type ReconcileDeps = Pick<Deps, 'db' | 'providers' | 'secrets' | 'tasks' | 'config' | 'now' | 'numbers' | 'log' | 'somos'>;

/** The scheduled entry point: one task per account, so each runs (and retries) on its own. */
export function startReconciliation(deps: ReconcileDeps) {
  return async (runId: string, log: Logger): Promise<{ accounts: number }> => {
    const db = await deps.db();
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
    const tenantAccounts = await db.collectionGroup('providerAccounts').get();
    for (const doc of tenantAccounts.docs) {
      let account: ProviderAccountRecord;
      try {
        account = readStored(parseProviderAccount, doc.data(), { collection: 'providerAccounts', id: doc.id });
      } catch {
        continue; // logged (collection and id) by readStored; the other accounts are still reconciled
      }
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
    const db = await deps.db();
    const now = deps.now();
    const provider = await deps.providers.forAccount(job.tenantId ?? '', job.provider, job.accountId);
    const owned = await ownedNumbers(provider);
    const held = await heldNumbers(db, job);

    const findings: (Omit<Finding, 'firstSeenAt' | 'status' | 'runId' | 'lastSeenAt' | 'kind'> & { kind: OperatorFindingKind })[] = [];
    let settledPending = 0;
    for (const record of held) {
      if (record.status === 'pending') {
        const outcome = await settlePendingPurchase(deps)(record.tenantId, record.id, systemContext('reconciliation', requestId), log).catch(
          () => 'still_pending',
        );
        if (outcome === 'activated' || outcome === 'not_bought') settledPending += 1;
        continue;
      }
      // The one-tenant-per-number index: written for records older than it; two holders are a bug.
      if ((await deps.numbers.ensureOwner(record)) === 'conflict') {
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
    const seen = new Set(findings.map((f) => `${f.tenantId ?? ''}/${f.id}`));
    let opened = 0;
    for (const finding of findings) {
      const ref = db.collection(findingsPath(finding.tenantId)).doc(finding.id);
      const created = await db.runTransaction(async (tx) => {
        const existing = await tx.get(ref);
        const fresh = !existing.exists || existing.get('status') === 'resolved';
        tx.set(ref, {
          ...finding,
          status: 'open',
          runId: job.runId,
          lastSeenAt: at,
          firstSeenAt: fresh ? at : (existing.get('firstSeenAt') as string),
        });
        return fresh;
      });
      if (created) opened += 1;
    }
    let resolved = 0;
    for (const open of await openFindings(db, job)) {
      for (const doc of open.docs) {
        const key = `${(doc.get('tenantId') as string | undefined) ?? ''}/${doc.id}`;
        if (seen.has(key)) continue;
        await doc.ref.update({ status: 'resolved', resolvedAt: at, runId: job.runId });
        resolved += 1;
      }
    }
    const result = { ownedAtProvider: owned.size, heldHere: held.length, opened, resolved, settledPending };
    log.info('account reconciled', { ...job, ...result });
    return result;
  };
}

/** This account's findings still open: in its tenant, or (platform account) in any tenant and the operator's list. */
async function openFindings(db: Firestore, job: AccountJob) {
  const open = (query: Query) => query.where('accountId', '==', job.accountId).where('provider', '==', job.provider).where('status', '==', 'open').get();
  if (job.tenantId) return [await open(db.collection(findingsPath(job.tenantId)))];
  return [await open(db.collection(findingsPath(undefined))), await open(db.collectionGroup('reconciliationFindings'))];
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

async function heldNumbers(db: Firestore, job: AccountJob): Promise<NumberRecord[]> {
  const query: Query = job.tenantId
    ? db.collection(`tenants/${job.tenantId}/numbers`).where('accountId', '==', job.accountId)
    : db.collectionGroup('numbers').where('accountId', '==', PLATFORM_ACCOUNT_ID).where('provider', '==', job.provider);
  const snap = await query.where('status', 'in', [...holdingStatuses]).get();
  return snap.docs.map((d) => d.data() as NumberRecord);
}
