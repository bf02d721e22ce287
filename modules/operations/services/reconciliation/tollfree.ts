import { z } from 'zod';
import { TOLLFREE_PROVIDER } from './tollfree-job.js';
import { createFindingsRepository, tollFreeFindingKinds, type FindingDetails, type TollFreeFindingKind } from '../../repository/findings.js';
import { systemContext, type AuditContext } from '../../../../shared/domain/audit.js';
import type { Deps } from '../../../../shared/deps.js';
import { AppError, conflict, notFound } from '../../../../shared/http/errors.js';
import type { Logger } from '../../../../shared/log.js';
import type { SomosNumberInfo } from '../../../../shared/providers/somos/client.js';
import { registryNumber } from '../../../tollfree/index.js';
import { claimOwnerIfFree, getNumber, mutateNumber, releaseOwner, type TollFreeRecord, type TollFreeStatus } from '../../../tollfree/index.js';
import { numbersInStatuses } from '../../../tollfree/index.js';
import { scheduledOf, settleDueVersions } from '../../../tollfree/index.js';
import { recordOutboundTransfer } from '../../../tollfree/index.js';

/**
 * Toll-free reconciliation: each number we hold as reserved or active is compared with the TFN
 * Registry's query (status, controlling RespOrg). Drift becomes a finding in the tenant's
 * reconciliationFindings (provider 'somos', accountId = the RespOrg unit):
 * - tollfree_not_ours: the registry names another controlling RespOrg;
 * - tollfree_status_mismatch: ours reserved but not RESERVED there, or ours active but not WORKING
 *   (ASSIGNED: a future-dated activation, also fine); or ours transferred out (in the last
 *   TRANSFERRED_OUT_CHECK_DAYS) while the registry still has it reserved or working under our unit —
 *   the orphan an unverified "moved away" notification once left behind.
 * Nothing is changed by the run (routing versions whose time came excepted: they are settled). An
 * admin repairs a finding explicitly (repairTollFreeFinding): the registry is read again and our
 * record follows it.
 */
export { tollFreeFindingKinds, type TollFreeFindingKind } from '../../repository/findings.js';

/** A finding a repair applies to: a toll-free one of the tenant (its own fields only). */
const RepairableFinding = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    kind: z.enum(tollFreeFindingKinds),
    provider: z.literal(TOLLFREE_PROVIDER),
    accountId: z.string(),
    phoneNumber: z.string(),
    numberId: z.string(),
    status: z.enum(['open', 'resolved']),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    runId: z.string(),
    details: z.object({ ourStatus: z.string(), registryStatus: z.string(), registryRespOrgId: z.string().optional() }).optional(),
  })
  .strip();

const EXPECTED: Partial<Record<TollFreeStatus, readonly string[]>> = { reserved: ['RESERVED'], active: ['WORKING', 'ASSIGNED'] };
/** Numbers transferred out this recently are still checked (an orphan is found within the hour; older moves are settled). */
export const TRANSFERRED_OUT_CHECK_DAYS = 30;
const HELD_AT_REGISTRY = ['RESERVED', 'WORKING', 'ASSIGNED'];

/** Pure: what (if anything) is wrong between our record and the registry's answer. */
export function compareWithRegistry(record: Pick<TollFreeRecord, 'status' | 'respOrgId'>, info: SomosNumberInfo): { kind: TollFreeFindingKind; details: FindingDetails } | undefined {
  const details = { ourStatus: record.status, registryStatus: info.status, ...(info.respOrgId ? { registryRespOrgId: info.respOrgId } : {}) };
  if (record.status === 'transferred_out') {
    return info.respOrgId === record.respOrgId && HELD_AT_REGISTRY.includes(info.status) ? { kind: 'tollfree_status_mismatch', details } : undefined;
  }
  if (info.respOrgId && info.respOrgId !== record.respOrgId) return { kind: 'tollfree_not_ours', details };
  const expected = EXPECTED[record.status];
  if (expected && !expected.includes(info.status)) return { kind: 'tollfree_status_mismatch', details };
  return undefined;
}

const findingId = (kind: TollFreeFindingKind, respOrgId: string, num: string) => `${kind}_${respOrgId}_${num}`;

type TollFreeReconcileDeps = Pick<Deps, 'db' | 'somos' | 'now' | 'log'>;

export function reconcileTollFree(deps: TollFreeReconcileDeps) {
  return async (job: { runId: string }, requestId: string, log: Logger) => {
    const findings = createFindingsRepository(deps.db);
    const at = deps.now().toISOString();
    const audit = systemContext('reconciliation', requestId);
    let unreadable = 0;
    const records = await numbersInStatuses(deps, ['reserved', 'active', 'transferred_out'], (path) => {
      unreadable++;
      log.warn('toll-free reconciliation: stored number does not parse; skipped', { path });
    });
    const outSince = deps.now().getTime() - TRANSFERRED_OUT_CHECK_DAYS * 24 * 60 * 60 * 1000;
    const seen = new Set<string>();
    let confirmed = 0;
    let opened = 0;
    for (let record of records) {
      if (record.status === 'transferred_out' && !(Date.parse(record.updatedAt) >= outSince)) continue;
      if (scheduledOf(record).length) record = await settleDueVersions(deps, record, audit);
      const found = await registryNumber(deps, record.respOrgId, record.id);
      if ('reason' in found) {
        log.warn('toll-free reconciliation: registry not asked', { tenantId: record.tenantId, number: record.id, reason: found.reason });
        // Not compared this run: its open findings stay as they are.
        for (const kind of tollFreeFindingKinds) seen.add(`${record.tenantId}/${findingId(kind, record.respOrgId, record.id)}`);
        continue;
      }
      const drift = compareWithRegistry(record, found.info);
      if (!drift) {
        confirmed++;
        continue;
      }
      const id = findingId(drift.kind, record.respOrgId, record.id);
      seen.add(`${record.tenantId}/${id}`);
      const fresh = await findings.upsert(
        {
          id,
          tenantId: record.tenantId,
          kind: drift.kind,
          provider: TOLLFREE_PROVIDER,
          accountId: record.respOrgId,
          phoneNumber: record.phoneNumber,
          numberId: record.id,
          details: drift.details,
        },
        job.runId,
        at,
      );
      if (fresh) opened++;
    }
    let resolved = 0;
    for (const open of await findings.openForProvider(TOLLFREE_PROVIDER)) {
      if (seen.has(open.key)) continue;
      await open.resolve(at, job.runId);
      resolved++;
    }
    const result = { ownedAtProvider: confirmed, heldHere: records.length + unreadable, opened, resolved, settledPending: 0 };
    log.info('toll-free numbers reconciled', { runId: job.runId, provider: TOLLFREE_PROVIDER, ...result });
    return result;
  };
}

// ---------------------------------------------------------------------------------------------
// Repair: an explicit admin action

/** What our record becomes, given what the registry says now (undefined: it agrees, nothing to change). */
function repairedRecord(record: TollFreeRecord, info: SomosNumberInfo, now: string): { next: TollFreeRecord; action: string; leaves: boolean } | undefined {
  const drift = compareWithRegistry(record, info);
  if (!drift) return undefined;
  const why = (what: string) => `reconciliation repair: the registry shows the number ${what}`;
  if (drift.kind === 'tollfree_not_ours') {
    const { reservedUntil: _until, ...rest } = record;
    return { next: { ...rest, status: 'transferred_out', statusReason: why(`${info.status} under ${info.respOrgId}`), updatedAt: now }, action: 'transferred_out', leaves: true };
  }
  if (info.status === 'SPARE') {
    const { reservedUntil: _until, ...rest } = record;
    const status: TollFreeStatus = record.status === 'reserved' ? 'expired' : 'released';
    return { next: { ...rest, status, statusReason: why('SPARE'), ...(status === 'released' ? { releasedAt: now } : {}), updatedAt: now }, action: status, leaves: true };
  }
  if (info.status === 'RESERVED') {
    const until = info.resUntilDt ? new Date(`${info.resUntilDt.slice(0, 10)}T23:59:59Z`) : undefined;
    return {
      next: { ...record, status: 'reserved', ...(until && !Number.isNaN(until.getTime()) ? { reservedUntil: until.toISOString() } : {}), statusReason: why('RESERVED'), updatedAt: now },
      action: 'reserved',
      leaves: false,
    };
  }
  if (info.status === 'WORKING' || info.status === 'ASSIGNED') {
    const { reservedUntil: _until, ...rest } = record;
    return { next: { ...rest, status: 'active', statusReason: why(`${info.status} under ${info.respOrgId ?? record.respOrgId}`), updatedAt: now }, action: 'active', leaves: false };
  }
  // DISCONNECT / TRANSITIONAL / anything else: out of service for us.
  const { reservedUntil: _until, ...rest } = record;
  return { next: { ...rest, status: 'released', releasedAt: now, statusReason: why(info.status), updatedAt: now }, action: 'released', leaves: true };
}

export function repairTollFreeFinding(deps: Pick<Deps, 'db' | 'somos' | 'now'>) {
  return async (tenantId: string, id: string, audit: AuditContext) => {
    const findings = createFindingsRepository(deps.db);
    const stored = await findings.get(tenantId, id);
    if (!stored) throw notFound('Finding');
    const parsed = RepairableFinding.safeParse(stored.raw);
    if (!parsed.success || parsed.data.tenantId !== tenantId) {
      const kind: unknown = typeof stored.raw === 'object' && stored.raw !== null && 'kind' in stored.raw ? stored.raw.kind : undefined;
      throw conflict('Only toll-free findings (tollfree_status_mismatch, tollfree_not_ours) have a repair; the others need a person at the provider', { kind });
    }
    const finding = parsed.data;
    if (finding.status !== 'open') throw conflict('This finding is already resolved', { status: finding.status });
    const record = await getNumber(deps, tenantId, finding.numberId);
    if (!record) throw notFound('Toll-free number');
    if (record.pendingRequestId) throw conflict('A registry request for this number is still pending; poll it first', { requestId: record.pendingRequestId });
    const found = await registryNumber(deps, record.respOrgId, record.id);
    if ('reason' in found) throw new AppError('SERVICE_UNAVAILABLE', `The registry could not be read: ${found.reason}; retry shortly`, { retryable: true }, 5);
    const now = deps.now().toISOString();
    const plan = repairedRecord(record, found.info, now);
    if (plan && !plan.leaves) await claimOwner(deps, tenantId, record.id, now);
    if (plan) {
      await mutateNumber(deps, tenantId, record.id, audit, 'tollfree.reconciliation_repair', (before) => (before.status === record.status ? plan.next : undefined));
      if (plan.leaves) await releaseOwner(deps, record.id, tenantId);
      if (plan.action === 'transferred_out' && found.info.respOrgId) {
        await recordOutboundTransfer(deps, { tenantId, num: record.id, fromRespOrgId: record.respOrgId, toRespOrgId: found.info.respOrgId }, audit);
      }
    }
    const repair = {
      action: plan?.action ?? 'none',
      registryStatus: found.info.status,
      ...(found.info.respOrgId ? { registryRespOrgId: found.info.respOrgId } : {}),
      repairedAt: now,
    };
    await findings.markRepaired(tenantId, id, now, repair);
    const { tenantId: _t, ...view } = { ...finding, status: 'resolved' as const, resolvedAt: now, repair };
    return view;
  };
}

/** The owner index names this tenant again (a number back in our hands); another tenant's claim is a conflict. */
async function claimOwner(deps: Pick<Deps, 'db'>, tenantId: string, num: string, now: string): Promise<void> {
  const other = await claimOwnerIfFree(deps, { num, tenantId, updatedAt: now });
  if (other) throw conflict('Another customer of this platform holds this number now; it cannot be repaired here', { number: `+1${num}` });
}
