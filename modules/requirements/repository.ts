import type { Firestore, Transaction } from '@google-cloud/firestore';
import { z } from 'zod';
import { AddressResource } from '../../shared/api/schemas/addresses.js';
import type { AddressFields } from '../../shared/domain/address.js';
import { numberTypes, type NumberType } from '../../shared/providers/types.js';
import type { TelnyxRequirement } from '../../shared/providers/telnyx/mapper.js';
import { createTenantCollection, readStored, type TenantDoc } from '../../shared/store/tenant-collection.js';

/**
 * The requirements module's repository: the only code that touches its documents — the tenants'
 * requirement groups (tenants/{t}/requirementGroups/{id}) and addresses (tenants/{t}/addresses/{id}),
 * the platform's requirements cache (platform/requirementsCache/entries/{key}) and the Telnyx webhook
 * events' records (webhookEvents/telnyx_{id}, TTL on expiresAt) — and its one look-up of number
 * records: the numbers of a Telnyx order (ids only: the numbers module reads the records).
 */
export type RequirementAction = 'ordering' | 'porting';
export type GroupStatus = 'creating' | 'draft' | 'pending' | 'approved' | 'rejected' | 'unapproved';

export interface RequirementField {
  id: string;
  name: string;
  kind: 'document' | 'textual' | 'address';
  description?: string;
  acceptanceCriteria: TelnyxRequirement['acceptanceCriteria'];
}

export interface RequirementValue {
  kind: RequirementField['kind'];
  value?: string;
  documentId?: string;
  /** Address requirements: our address (adr_…); `value` is its one-line form. */
  addressId?: string;
  filename?: string;
  submittedAt: string;
  /** The provider declined this value (with its reason when it gives one): a new value is needed. */
  status?: 'declined';
  reason?: string;
}

export interface RequirementGroupRecord extends TenantDoc {
  provider: 'telnyx';
  accountId: string;
  /** The tenant's client company this group answers for (one group per company and zone). */
  companyId?: string;
  country: string;
  type: NumberType;
  action: RequirementAction;
  providerGroupId?: string;
  status: GroupStatus;
  statusReason?: string;
  requirements: RequirementField[];
  values: Record<string, RequirementValue>;
  submittedAt?: string;
  decidedAt?: string;
  /** false once the provider refused an order while this group was under review (its country/type waits for approval). */
  holdsDuringReview?: boolean;
}

const Kind = z.enum(['document', 'textual', 'address']);
/** A requirement field as stored (on a group and in the platform's requirements cache). */
const StoredField: z.ZodType<RequirementField> = z.looseObject({
  id: z.string(),
  name: z.string(),
  kind: Kind,
  description: z.string().optional(),
  acceptanceCriteria: z.looseObject({
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    acceptableValues: z.array(z.string()).optional(),
    acceptableCharacters: z.string().optional(),
    regex: z.string().optional(),
    localityLimit: z.string().optional(),
    timeLimit: z.string().optional(),
  }),
});
/** How a stored group is read (never taken as it is): unknown fields are kept, known ones checked. */
const StoredGroup: z.ZodType<RequirementGroupRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  provider: z.literal('telnyx'),
  accountId: z.string(),
  companyId: z.string().optional(),
  country: z.string(),
  type: z.enum(numberTypes),
  action: z.enum(['ordering', 'porting']),
  providerGroupId: z.string().optional(),
  status: z.enum(['creating', 'draft', 'pending', 'approved', 'rejected', 'unapproved']),
  statusReason: z.string().optional(),
  requirements: z.array(StoredField),
  values: z.record(
    z.string(),
    z.looseObject({
      kind: Kind,
      value: z.string().optional(),
      documentId: z.string().optional(),
      addressId: z.string().optional(),
      filename: z.string().optional(),
      submittedAt: z.string(),
      status: z.literal('declined').optional(),
      reason: z.string().optional(),
    }),
  ),
  submittedAt: z.string().optional(),
  decidedAt: z.string().optional(),
  holdsDuringReview: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const parseRequirementGroup = (data: unknown): RequirementGroupRecord => StoredGroup.parse(data);

export const requirementGroups = (db: () => Promise<Firestore>) =>
  createTenantCollection<RequirementGroupRecord>(db, {
    collection: 'requirementGroups',
    idPrefix: 'rqg',
    resource: 'requirement-groups',
    label: 'Requirement group',
    parse: parseRequirementGroup,
  });

/**
 * The tenant's addresses (tenants/{t}/addresses/{id}): what an address requirement takes. The id is
 * derived from the tenant, the provider account and the address itself, so the same address (for
 * the same company) is one record and one provider address. Only the provider's address id is
 * kept from the provider: no credential, nothing secret.
 */
export interface AddressRecord extends TenantDoc, AddressFields {
  provider: 'telnyx';
  accountId: string;
  /** The provider's address id, once created there. */
  providerAddressId?: string;
  status: 'creating' | 'ready';
  companyId?: string;
  fingerprint: string;
}

/** An address as stored: the API's address resource (without its display line) plus its tenant and dedupe fingerprint; unknown fields kept. */
const StoredAddress = AddressResource.omit({ formatted: true }).extend({ tenantId: z.string(), fingerprint: z.string() }).loose();

export const parseAddress = (data: unknown): AddressRecord => StoredAddress.parse(data);

export const addresses = (db: () => Promise<Firestore>) =>
  createTenantCollection<AddressRecord>(db, { collection: 'addresses', idPrefix: 'adr', resource: 'addresses', label: 'Address', parse: parseAddress });

/** The requirement fields of a country/type/action, as the cache keeps them. */
export interface RequirementsList {
  hasRequirements: boolean;
  requirements: RequirementField[];
}

const CachedRequirements = z.object({
  fetchedAt: z.string(),
  value: z.object({ hasRequirements: z.boolean(), requirements: z.array(StoredField) }),
});
/** What a claim's transaction makes of the document it found: the record to write (mine), or the one to keep. */
type ClaimDecision<T> = { record: T; mine: boolean };

/** A Telnyx webhook event's record, as the webhook writes it. */
export type WebhookEventRecord = Record<string, unknown>;

const eventPath = (eventId: string) => `webhookEvents/telnyx_${eventId.replace(/[^\w-]/g, '_')}`;

export function createRequirementsRepository(db: () => Promise<Firestore>) {
  /** Get-or-create of a deterministic id: `decide` sees the stored document (checked) in a transaction and writes its record when it is `mine`. */
  async function claim<T extends TenantDoc>(path: string, read: (data: unknown) => T, decide: (existing: T | undefined) => ClaimDecision<T>): Promise<ClaimDecision<T>> {
    const firestore = await db();
    const ref = firestore.doc(path);
    return firestore.runTransaction(async (tx: Transaction) => {
      const snap = await tx.get(ref);
      const decision = decide(snap.exists ? read(snap.data()) : undefined);
      if (decision.mine) tx.set(ref, decision.record);
      return decision;
    });
  }
  const groupPath = (tenantId: string, id: string) => `tenants/${tenantId}/requirementGroups/${id}`;
  const addressPath = (tenantId: string, id: string) => `tenants/${tenantId}/addresses/${id}`;
  return {
    groups: requirementGroups(db),
    addresses: addresses(db),

    /** The cached requirement fields of `key`, with when they were fetched (undefined: none, or not readable). */
    async cachedRequirements(key: string): Promise<{ fetchedAt: string; value: RequirementsList } | undefined> {
      const entry = CachedRequirements.safeParse((await (await db()).doc(`platform/requirementsCache/entries/${key}`).get()).data());
      return entry.success ? entry.data : undefined;
    },
    async storeRequirements(key: string, fetchedAt: string, value: RequirementsList): Promise<void> {
      await (await db()).doc(`platform/requirementsCache/entries/${key}`).set(JSON.parse(JSON.stringify({ fetchedAt, value })) as Record<string, unknown>);
    },

    claimGroup: (tenantId: string, id: string, decide: (existing: RequirementGroupRecord | undefined) => ClaimDecision<RequirementGroupRecord>) =>
      claim(groupPath(tenantId, id), (data) => readStored(parseRequirementGroup, data, { collection: 'requirementGroups', id }), decide),
    /** Drops a placeholder the provider never made a group of (best effort). */
    async dropGroup(tenantId: string, id: string): Promise<void> {
      await (await db()).doc(groupPath(tenantId, id)).delete().catch(() => undefined);
    },

    claimAddress: (tenantId: string, id: string, decide: (existing: AddressRecord | undefined) => ClaimDecision<AddressRecord>) =>
      claim(addressPath(tenantId, id), parseAddress, decide),
    /** Drops a placeholder the provider never made an address of (best effort). */
    async dropAddress(tenantId: string, id: string): Promise<void> {
      await (await db()).doc(addressPath(tenantId, id)).delete().catch(() => undefined);
    },

    /** Whether a Telnyx event was processed already (its record exists). */
    async eventSeen(eventId: string): Promise<boolean> {
      return (await (await db()).doc(eventPath(eventId)).get()).exists;
    },
    /** Records a processed event; a concurrent duplicate that recorded it first is fine. */
    async recordEvent(eventId: string, record: WebhookEventRecord): Promise<void> {
      await (await db())
        .doc(eventPath(eventId))
        .create(record)
        .catch(() => undefined);
    },

    /** The numbers (tenant and id) a Telnyx order sells, across tenants. */
    async numbersOfOrder(orderId: string): Promise<{ tenantId: string; id: string }[]> {
      const numbers = await (await db()).collectionGroup('numbers').where('orderId', '==', orderId).get();
      return numbers.docs.flatMap((d) => {
        const tenantId: unknown = d.get('tenantId');
        return typeof tenantId === 'string' ? [{ tenantId, id: d.id }] : [];
      });
    },
  };
}

export type RequirementsRepository = ReturnType<typeof createRequirementsRepository>;
