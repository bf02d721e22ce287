import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { DeliveriesPage, DeliveriesQuery } from '../../../shared/api/schemas.js';
import { outcomeOfStatus, type OutboundOutcome } from '../../../shared/http/outbound-request.js';
import type { DeliveryRecord } from '../services/relay.js';
import { decodeCursor, encodeCursor } from '../../../shared/store/page.js';

type StoredAttempt = { at: string; status: number; outcome?: OutboundOutcome; error?: string };

/** Relayed inbound messages and every delivery attempt, newest first (?numberId=). */
const operation: OperationFactory<Record<string, never>, z.infer<typeof DeliveriesQuery>, undefined, z.infer<typeof DeliveriesPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const db = await deps.db();
    let q: FirebaseFirestore.Query = db.collection(`tenants/${caller.tenantId}/deliveries`);
    if (query.numberId) q = q.where('numberId', '==', query.numberId);
    q = q.orderBy('createdAt', 'desc').orderBy('id', 'desc');
    if (query.cursor) {
      const { createdAt, id } = decodeCursor(query.cursor);
      q = q.startAfter(createdAt, id);
    }
    const snap = await q.limit(query.limit + 1).get();
    const items = snap.docs.slice(0, query.limit).map((d) => {
      const { tenantId: _t, attempts, ...rest } = d.data() as Omit<DeliveryRecord, 'attempts'> & { attempts: StoredAttempt[] };
      // The coarse outcome only: records written before outcomes existed carried the error's raw text.
      return { ...rest, attempts: attempts.map(({ at, status, outcome }) => ({ at, status, outcome: outcome ?? (status ? outcomeOfStatus(status) : 'failed') })) };
    });
    const last = items.at(-1);
    return { body: { data: items, ...(snap.docs.length > query.limit && last ? { nextCursor: encodeCursor(last) } : {}) } };
  };
export default operation;
