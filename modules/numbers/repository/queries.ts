import type { Firestore, Query } from '@google-cloud/firestore';
import { AppError } from '../../../shared/http/errors.js';
import { holdingStatuses, searchText, type NumberRecord, type NumberStatus } from '../../../shared/domain/number.js';
import { PLATFORM_ACCOUNT_ID } from '../../../shared/providers/registry.js';
import { paths } from '../../../shared/store/firestore.js';
import { readPage, type Page } from '../../../shared/store/page.js';
import { heldAtProvider } from './owner.js';
import { readableNumbers, readNumber } from '../../../shared/domain/number-record.js';

export interface ListFilters {
  provider?: string;
  status?: NumberStatus;
  tag?: string;
  locationId?: string;
  purpose?: string;
  agentId?: string;
  accountId?: string;
  /** A word prefix of the display name or 3+ digits of the number. */
  q?: string;
  orderId?: string;
  externalRef?: string;
  companyId?: string;
}

/** Firestore's limit on the values of one `in` filter. */
const IN_LIMIT = 30;

/** The numbers' queries: the tenant's list, search's quarantine and owner checks, reconciliation's held numbers. */
export function createNumberQueries(db: () => Promise<Firestore>) {
  return {
    async list(tenantId: string, filters: ListFilters, limit: number, cursor?: string): Promise<Page<NumberRecord>> {
      const firestore = await db();
      if (filters.tag && filters.q) {
        throw new AppError('VALIDATION_ERROR', 'q cannot be combined with tag; use one of them', {
          issues: [{ path: 'query.q', message: 'cannot be combined with tag' }],
        });
      }
      if (filters.agentId && (filters.tag || filters.q)) {
        throw new AppError('VALIDATION_ERROR', `agentId cannot be combined with ${filters.tag ? 'tag' : 'q'}; use one of them`, {
          issues: [{ path: 'query.agentId', message: `cannot be combined with ${filters.tag ? 'tag' : 'q'}` }],
        });
      }
      let query: Query = firestore.collection(paths.numbers(tenantId));
      for (const field of ['provider', 'status', 'locationId', 'purpose', 'accountId', 'orderId', 'externalRef', 'companyId'] as const) {
        if (filters[field]) query = query.where(field, '==', filters[field]);
      }
      if (filters.agentId) {
        // The agent's numbers: the one it answers (agentId) and those it calls from (outboundAgentIds).
        const { Filter } = await import('@google-cloud/firestore');
        query = query.where(Filter.or(Filter.where('agentId', '==', filters.agentId), Filter.where('outboundAgentIds', 'array-contains', filters.agentId)));
      }
      if (filters.tag) query = query.where('tags', 'array-contains', filters.tag);
      if (filters.q) query = query.where('searchTokens', 'array-contains', searchText(filters.q).replace(/^\+/, ''));
      return readPage(query, limit, cursor, readNumber);
    },

    /** Of `numbers`, those someone holds at `provider` now (the owner index). */
    heldAtProvider: (provider: string, numbers: readonly string[]) => heldAtProvider(db, provider, numbers),

    /**
     * Of `numbers`, those this tenant released at `provider` after `since`: indexed reads of its
     * released records (provider, status released, phoneNumber in, releasedAt after), 30 numbers a read.
     */
    async releasedSince(tenantId: string, provider: string, numbers: readonly string[], since: string): Promise<Set<string>> {
      const firestore = await db();
      const reads = [];
      for (let i = 0; i < numbers.length; i += IN_LIMIT) {
        reads.push(
          firestore
            .collection(paths.numbers(tenantId))
            .where('provider', '==', provider)
            .where('status', '==', 'released')
            .where('phoneNumber', 'in', numbers.slice(i, i + IN_LIMIT))
            .where('releasedAt', '>', since)
            .select('phoneNumber')
            .get(),
        );
      }
      const found = (await Promise.all(reads)).flatMap((snap) => snap.docs.map((doc): unknown => doc.get('phoneNumber')));
      return new Set(found.filter((n): n is string => typeof n === 'string'));
    },

    /**
     * The numbers held (pending, active, inactive) on a provider account: a tenant's own account's in
     * that tenant; the platform's account's (`tenantId` undefined) in every tenant, at that provider.
     */
    async heldOnAccount(account: { provider: string; accountId: string; tenantId?: string }): Promise<NumberRecord[]> {
      const firestore = await db();
      const query: Query = account.tenantId
        ? firestore.collection(paths.numbers(account.tenantId)).where('accountId', '==', account.accountId)
        : firestore.collectionGroup('numbers').where('accountId', '==', PLATFORM_ACCOUNT_ID).where('provider', '==', account.provider);
      const snap = await query.where('status', 'in', [...holdingStatuses]).get();
      return readableNumbers(snap.docs);
    },
  };
}
