import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import { holdingStatuses, type NumberStatus } from '../../shared/domain/number.js';
import { readNumber } from '../../shared/domain/number-record.js';
import { paths } from '../../shared/store/firestore.js';
import { createTenantCollection, type TenantDoc } from '../../shared/store/tenant-collection.js';

/**
 * The Vapi module's repository: the only code that touches its documents — the tenants' Vapi
 * credentials (tenants/{t}/vapiCredentials/{id}: Vapi's credential id, provider, label and a salted
 * fingerprint, never the credentials) — and its one look-up of number records: the numbers that use
 * a credential (what the API shows of them only; the numbers module owns the records).
 */
export interface VapiCredentialRecord extends TenantDoc {
  vapiCredentialId: string;
  provider: VapiCredentialProvider;
  label?: string;
  /**
   * scrypt of the credentials under a random salt (`scrypt1$<salt>$<hash>`), never the credentials:
   * an import bringing the same credentials again reuses this credential instead of making another.
   */
  fingerprint?: string;
  /** When Vonage / Telnyx accepted the credentials (a SIP trunk cannot be verified). */
  verifiedAt?: string;
  createdBy: string;
}

export const vapiCredentialProviders = ['vonage', 'telnyx', 'byo-sip-trunk'] as const;
export type VapiCredentialProvider = (typeof vapiCredentialProviders)[number];

/** A stored Vapi credential, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredVapiCredential: z.ZodType<VapiCredentialRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  vapiCredentialId: z.string(),
  provider: z.enum(vapiCredentialProviders),
  label: z.string().optional(),
  fingerprint: z.string().optional(),
  verifiedAt: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const parseVapiCredential = (data: unknown): VapiCredentialRecord => StoredVapiCredential.parse(data);

export const vapiCredentials = (db: () => Promise<Firestore>) =>
  createTenantCollection<VapiCredentialRecord>(db, {
    collection: 'vapiCredentials',
    idPrefix: 'vcr',
    resource: 'vapi-credentials',
    label: 'Vapi credential',
    parse: parseVapiCredential,
  });

/** What the credentials list shows of a number that uses a credential. */
export interface CredentialNumber {
  id: string;
  phoneNumber: string;
  status: NumberStatus;
}

/** The tenant's numbers that use a credential now (those a delete would strand), oldest first. */
export async function numbersUsingCredential(db: () => Promise<Firestore>, tenantId: string, credentialId: string): Promise<CredentialNumber[]> {
  const snap = await (await db())
    .collection(paths.numbers(tenantId))
    .where('vapiCredentialId', '==', credentialId)
    .where('status', 'in', [...holdingStatuses])
    .limit(100)
    .get();
  return snap.docs
    .map((d) => readNumber(d.data(), d.id))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((n) => ({ id: n.id, phoneNumber: n.phoneNumber, status: n.status }));
}
