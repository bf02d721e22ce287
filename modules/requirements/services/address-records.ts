import { z } from 'zod';
import type { Deps } from '../../../shared/deps.js';
import type { AddressFields } from '../../../shared/domain/address.js';
import { createTenantCollection, type TenantDoc } from '../../../shared/store/tenant-collection.js';

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

const StoredAddress = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    provider: z.literal('telnyx'),
    accountId: z.string(),
    providerAddressId: z.string().optional(),
    status: z.enum(['creating', 'ready']),
    companyId: z.string().optional(),
    fingerprint: z.string(),
    businessName: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    streetAddress: z.string(),
    extendedAddress: z.string().optional(),
    locality: z.string(),
    postalCode: z.string(),
    administrativeArea: z.string().optional(),
    country: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .strict();

export const parseAddress = (data: unknown): AddressRecord => StoredAddress.parse(data);

export const addresses = (db: Deps['db']) =>
  createTenantCollection<AddressRecord>(db, { collection: 'addresses', idPrefix: 'adr', resource: 'addresses', label: 'Address', parse: parseAddress });
