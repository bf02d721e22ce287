import { FieldValue, type Firestore, type Query } from '@google-cloud/firestore';
import { z } from 'zod';
import type { NumberRecord } from '../../shared/domain/number.js';
import { readableNumbers } from '../../shared/domain/number-record.js';
import { outboundOutcomes, type OutboundOutcome } from '../../shared/http/outbound-request.js';
import { paths } from '../../shared/store/firestore.js';
import { decodeCursor, encodeCursor } from '../../shared/store/page.js';
import { readStored } from '../../shared/store/tenant-collection.js';
import type { ParsedMessage } from './services/messages.js';

/**
 * The inbound module's repository: the only code that touches its documents — the replay claims
 * (`webhookEvents/inbound_{key}`, TTL on expiresAt) and the tenants' delivery records
 * (`tenants/{t}/deliveries/{id}`) — and its read-only look-ups of who holds a number (the owner
 * index `numberOwners/{provider}:{e164}` and, for numbers held since before it, all tenants' records).
 */
export type InboundProvider = 'twilio' | 'plivo' | 'telnyx';

/** A relayed message: the provider's message in our shape, with its ids and when it came. */
export interface InboundMessage extends ParsedMessage {
  id: string;
  provider: InboundProvider;
  receivedAt: string;
  numberId: string;
}

/** One attempt as stored: the coarse outcome (records written before outcomes existed carried an error text instead). */
export interface DeliveryAttempt {
  at: string;
  status: number;
  outcome?: OutboundOutcome;
  error?: string;
}

export interface DeliveryRecord {
  id: string;
  tenantId: string;
  numberId: string;
  /** Absent when the message was not sent anywhere (status not_delivered). */
  webhookUrl?: string;
  message: InboundMessage;
  /** not_delivered: the message reached no webhook and never will (reason says why); no attempts. */
  status: 'queued' | 'delivered' | 'failing' | 'not_delivered';
  reason?: 'released_number' | 'number_inactive';
  attempts: DeliveryAttempt[];
  createdAt: string;
  deliveredAt?: string;
}

/** What the relay reads of a number record (the numbers module owns the record). */
export type InboundNumber = Pick<NumberRecord, 'id' | 'tenantId' | 'provider' | 'accountId' | 'phoneNumber' | 'status' | 'webhookUrl' | 'smsEnabled' | 'releasedAt' | 'updatedAt'>;

const StoredDelivery: z.ZodType<DeliveryRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  numberId: z.string(),
  webhookUrl: z.string().optional(),
  message: z.looseObject({
    id: z.string(),
    provider: z.enum(['twilio', 'plivo', 'telnyx']),
    providerMessageId: z.string(),
    type: z.enum(['sms', 'mms']),
    from: z.string(),
    to: z.string(),
    text: z.string(),
    media: z.array(z.looseObject({ url: z.string(), contentType: z.string().optional() })),
    receivedAt: z.string(),
    numberId: z.string(),
  }),
  status: z.enum(['queued', 'delivered', 'failing', 'not_delivered']),
  reason: z.enum(['released_number', 'number_inactive']).optional(),
  attempts: z.array(z.looseObject({ at: z.string(), status: z.number(), outcome: z.enum(outboundOutcomes).optional(), error: z.string().optional() })),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
});
export const parseDelivery = (data: unknown): DeliveryRecord => StoredDelivery.parse(data);

/** The owner index entry, as the relay needs it: anything else is no entry (the fallback look-up decides). */
const OwnerEntry = z.looseObject({ tenantId: z.string(), numberId: z.string() });
/** A replay claim already taken, as a copy of its message reads it. */
const TakenClaim = z.looseObject({ tenantId: z.unknown().optional(), deliveryId: z.unknown().optional(), outcome: z.unknown().optional() });

/** Firestore's gRPC code for a create() that found the document. */
const ALREADY_EXISTS = 6;

const claimPath = (key: string) => `webhookEvents/inbound_${key}`;
const deliveryPath = (tenantId: string, id: string) => `tenants/${tenantId}/deliveries/${id}`;

export function createInboundRepository(db: () => Promise<Firestore>) {
  return {
    /** Who the owner index says holds `e164` at `provider` (undefined: no entry). */
    async ownerOf(provider: string, e164: string): Promise<{ tenantId: string; numberId: string } | undefined> {
      const data = (await (await db()).doc(paths.numberOwner(provider, e164)).get()).data();
      const owner = OwnerEntry.safeParse(data);
      return owner.success ? { tenantId: owner.data.tenantId, numberId: owner.data.numberId } : undefined;
    },

    /** Every tenant's records of `e164` at `provider`, whatever their status (numbers held since before the owner index). */
    async numbersAt(provider: string, e164: string): Promise<NumberRecord[]> {
      const snap = await (await db()).collectionGroup('numbers').where('phoneNumber', '==', e164).where('provider', '==', provider).get();
      return readableNumbers(snap.docs);
    },

    /**
     * Claim first: the event's record and its delivery are created in one batch, so of concurrent
     * copies of one message exactly one gets through. false: the claim was taken already.
     */
    async claim(key: string, event: Record<string, unknown>, delivery?: DeliveryRecord): Promise<boolean> {
      const firestore = await db();
      const batch = firestore.batch();
      batch.create(firestore.doc(claimPath(key)), event);
      if (delivery) batch.create(firestore.doc(deliveryPath(delivery.tenantId, delivery.id)), delivery);
      try {
        await batch.commit();
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
        return false;
      }
    },

    /** The claim a copy of a message found taken: whose delivery it made, and what became of it. */
    async claimed(key: string): Promise<{ tenantId?: unknown; deliveryId?: unknown; outcome?: unknown } | undefined> {
      const taken = TakenClaim.safeParse((await (await db()).doc(claimPath(key)).get()).data());
      return taken.success ? taken.data : undefined;
    },

    async delivery(tenantId: string, id: string): Promise<DeliveryRecord | undefined> {
      const snap = await (await db()).doc(deliveryPath(tenantId, id)).get();
      return snap.exists ? readStored(parseDelivery, snap.data(), { collection: 'deliveries', id }) : undefined;
    },

    /** Appends an attempt (its coarse outcome only) and the delivery's new status. */
    async recordAttempt(tenantId: string, id: string, attempt: { at: string; status: number; outcome: OutboundOutcome }, delivered: boolean): Promise<void> {
      await (await db()).doc(deliveryPath(tenantId, id)).update({
        attempts: FieldValue.arrayUnion(attempt),
        status: delivered ? 'delivered' : 'failing',
        ...(delivered ? { deliveredAt: attempt.at } : {}),
      });
    },

    /** The tenant's deliveries, newest first (one page, and the cursor of the next). */
    async listDeliveries(tenantId: string, options: { numberId?: string; limit: number; cursor?: string }): Promise<{ items: DeliveryRecord[]; nextCursor?: string }> {
      let q: Query = (await db()).collection(`tenants/${tenantId}/deliveries`);
      if (options.numberId) q = q.where('numberId', '==', options.numberId);
      q = q.orderBy('createdAt', 'desc').orderBy('id', 'desc');
      if (options.cursor) {
        const { createdAt, id } = decodeCursor(options.cursor);
        q = q.startAfter(createdAt, id);
      }
      const snap = await q.limit(options.limit + 1).get();
      const items = snap.docs.slice(0, options.limit).map((d) => readStored(parseDelivery, d.data(), { collection: 'deliveries', id: d.id }));
      const last = items.at(-1);
      return { items, ...(snap.docs.length > options.limit && last ? { nextCursor: encodeCursor(last) } : {}) };
    },
  };
}

export type InboundRepository = ReturnType<typeof createInboundRepository>;
