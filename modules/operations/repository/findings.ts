import type { Firestore, Query, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { z } from 'zod';
import { FindingResource } from '../../../shared/api/schemas/tasks.js';
import { AppError } from '../../../shared/http/errors.js';
import { readStored } from '../../../shared/store/tenant-collection.js';

/**
 * The reconciliation findings: the only code touching `tenants/{tenantId}/reconciliationFindings`
 * (a tenant's) and `platform/reconciliation/findings` (the operator's: numbers of the platform's
 * accounts nobody holds, numbers held by two tenants).
 */
export const tollFreeFindingKinds = ['tollfree_status_mismatch', 'tollfree_not_ours'] as const;
export type TollFreeFindingKind = (typeof tollFreeFindingKinds)[number];
export const findingKinds = ['missing_at_provider', 'unknown_here', ...tollFreeFindingKinds] as const;
export type FindingKind =
  /** Held here (active/inactive) but the provider account no longer owns it. */
  | 'missing_at_provider'
  /** Owned by the provider account but not held by anyone here. */
  | 'unknown_here'
  /** Toll-free (tollfree.ts): the registry's status or controlling RespOrg differs from ours. */
  | TollFreeFindingKind;
/** Held by two tenants (records from before the owner index): a finding for the operator only, never shown to tenants. */
export type OperatorFindingKind = FindingKind | 'held_by_two_tenants';

export interface FindingDetails {
  ourStatus: string;
  registryStatus: string;
  registryRespOrgId?: string;
}

export interface FindingRepair {
  action: string;
  registryStatus: string;
  registryRespOrgId?: string;
  repairedAt: string;
}

export interface Finding {
  id: string;
  /** Absent for platform-account numbers no tenant holds (operator-only findings). */
  tenantId?: string;
  kind: FindingKind;
  provider: string;
  accountId: string;
  phoneNumber: string;
  numberId?: string;
  providerNumberId?: string;
  status: 'open' | 'resolved';
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt?: string;
  runId: string;
  /** Toll-free findings: our status and the registry's. */
  details?: FindingDetails;
  /** Set by a repair (toll-free findings). */
  repair?: FindingRepair;
}

/** What a run found: the finding's own fields (its status, run and times are the repository's). */
export type Drift = Omit<Finding, 'kind' | 'status' | 'firstSeenAt' | 'lastSeenAt' | 'runId' | 'resolvedAt' | 'repair'> & { kind: OperatorFindingKind };

/** A finding as stored: the API's finding resource plus its tenant (none: the platform's), its kind as the code names it; unknown fields kept. */
const StoredFinding: z.ZodType<Finding> = FindingResource.extend({ tenantId: z.string().optional(), kind: z.enum(findingKinds) }).loose();
export const parseFinding = (data: unknown): Finding => StoredFinding.parse(data);
const readFinding = (data: unknown, id: string) => readStored(parseFinding, data, { collection: 'reconciliationFindings', id });

const findingsPath = (tenantId: string | undefined) => (tenantId ? `tenants/${tenantId}/reconciliationFindings` : 'platform/reconciliation/findings');

/** An open finding as a run sees it: `key` is `{tenantId or ''}/{id}` (what the run found is keyed the same). */
export interface OpenFinding {
  key: string;
  resolve(at: string, runId: string): Promise<void>;
}

const openOf = (doc: QueryDocumentSnapshot): OpenFinding => {
  const tenantId: unknown = doc.get('tenantId');
  return {
    key: `${typeof tenantId === 'string' ? tenantId : ''}/${doc.id}`,
    resolve: async (at, runId) => void (await doc.ref.update({ status: 'resolved', resolvedAt: at, runId })),
  };
};

export const findingKey = (finding: { tenantId?: string; id: string }) => `${finding.tenantId ?? ''}/${finding.id}`;

export interface FindingsQuery {
  status?: 'open' | 'resolved';
  kind?: FindingKind;
  limit: number;
  cursor?: string;
}

export function createFindingsRepository(db: () => Promise<Firestore>) {
  return {
    /**
     * Records a drift seen now: a new finding (or one resolved before) opens with firstSeenAt now; an
     * open one keeps its firstSeenAt. True when it opened.
     */
    async upsert(drift: Drift, runId: string, at: string): Promise<boolean> {
      const firestore = await db();
      const ref = firestore.collection(findingsPath(drift.tenantId)).doc(drift.id);
      return firestore.runTransaction(async (tx) => {
        const existing = await tx.get(ref);
        const stored: unknown = existing.get('firstSeenAt');
        const fresh = !existing.exists || existing.get('status') === 'resolved' || typeof stored !== 'string';
        tx.set(ref, { ...drift, status: 'open', runId, lastSeenAt: at, firstSeenAt: fresh ? at : stored });
        return !existing.exists || existing.get('status') === 'resolved';
      });
    },

    /** A provider account's open findings: in its tenant, or (the platform's account) in every tenant and the operator's list. */
    async openForAccount(account: { provider: string; accountId: string; tenantId?: string }): Promise<OpenFinding[]> {
      const firestore = await db();
      const open = async (query: Query) =>
        (await query.where('accountId', '==', account.accountId).where('provider', '==', account.provider).where('status', '==', 'open').get()).docs.map(openOf);
      if (account.tenantId) return open(firestore.collection(findingsPath(account.tenantId)));
      return [...(await open(firestore.collection(findingsPath(undefined)))), ...(await open(firestore.collectionGroup('reconciliationFindings')))];
    },

    /** Every tenant's open findings of a provider (toll-free: one run for the platform). */
    async openForProvider(provider: string): Promise<OpenFinding[]> {
      const firestore = await db();
      return (await firestore.collectionGroup('reconciliationFindings').where('provider', '==', provider).where('status', '==', 'open').get()).docs.map(openOf);
    },

    /** The tenant's finding; another tenant's is simply not found. */
    async get(tenantId: string, id: string): Promise<{ raw: unknown; finding?: Finding } | undefined> {
      const snap = await (await db()).doc(`${findingsPath(tenantId)}/${id}`).get();
      if (!snap.exists) return undefined;
      const parsed = StoredFinding.safeParse(snap.data());
      return { raw: snap.data(), ...(parsed.success ? { finding: parsed.data } : {}) };
    },

    async markRepaired(tenantId: string, id: string, resolvedAt: string, repair: FindingRepair): Promise<void> {
      await (await db()).doc(`${findingsPath(tenantId)}/${id}`).update({ status: 'resolved', resolvedAt, repair });
    },

    /** The tenant's findings, most recently seen first (cursor: the last one's lastSeenAt and id). */
    async list(tenantId: string, query: FindingsQuery): Promise<{ items: Finding[]; nextCursor?: string }> {
      let q: Query = (await db()).collection(findingsPath(tenantId));
      if (query.status) q = q.where('status', '==', query.status);
      if (query.kind) q = q.where('kind', '==', query.kind);
      q = q.orderBy('lastSeenAt', 'desc').orderBy('id');
      if (query.cursor) {
        const [lastSeenAt, id] = decodeFindingsCursor(query.cursor);
        q = q.startAfter(lastSeenAt, id);
      }
      const snap = await q.limit(query.limit + 1).get();
      const items = snap.docs.slice(0, query.limit).map((d) => readFinding(d.data(), d.id));
      const last = items.at(-1);
      return { items, ...(snap.docs.length > query.limit && last ? { nextCursor: encodeFindingsCursor(last) } : {}) };
    },
  };
}

export type FindingsRepository = ReturnType<typeof createFindingsRepository>;

const encodeFindingsCursor = (last: Pick<Finding, 'lastSeenAt' | 'id'>) => Buffer.from(JSON.stringify([last.lastSeenAt, last.id])).toString('base64url');

function decodeFindingsCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new AppError('VALIDATION_ERROR', 'cursor is not valid; pass the nextCursor of a previous page', {
    issues: [{ path: 'query.cursor', message: 'invalid cursor' }],
  });
}
