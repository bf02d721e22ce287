import { createHash } from 'node:crypto';
import type { AuditContext } from '../../../shared/domain/audit.js';
import { addressFingerprint, formatAddress, type AddressFields } from '../../../shared/domain/address.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict } from '../../../shared/http/errors.js';
import { addressFieldOf, type TelnyxAddressInput } from '../../../shared/providers/telnyx/addresses-mapper.js';
import { toPublic } from '../../../shared/services/resource.js';
import { createRequirementsRepository, type AddressRecord } from '../repository.js';
import { regulatoryProvider } from './requirements.js';

export type AddressInput = AddressFields & { companyId?: string; accountId?: string };

/** A creation that died half-way (no provider address after a minute) may be taken over. */
const STALE_CREATION_MS = 60_000;

/** One record per (tenant, provider account, address): the same address always gets the same id. */
const idFor = (fingerprint: string, tenantId: string, accountId: string) =>
  `adr_${createHash('sha256').update([tenantId, accountId, fingerprint].join('|')).digest('hex').slice(0, 16)}`;

function providerInput(a: AddressFields, reference: string): TelnyxAddressInput {
  return {
    businessName: a.businessName,
    firstName: a.firstName,
    lastName: a.lastName,
    streetAddress: a.streetAddress,
    ...(a.extendedAddress ? { extendedAddress: a.extendedAddress } : {}),
    locality: a.locality,
    postalCode: a.postalCode,
    ...(a.administrativeArea ? { administrativeArea: a.administrativeArea } : {}),
    countryCode: a.country,
    customerReference: reference,
  };
}

/**
 * Get-or-create: the same address (same company, same provider account) is one record and one
 * provider address, so a staffing platform that sends a company's address for every zone reuses
 * it. A new address is validated by the provider first (its verdict is a 400 naming the fields,
 * with its suggestion), then created there; only the provider's address id is kept.
 */
export function createAddress(deps: Pick<Deps, 'db' | 'providers' | 'now'>) {
  const repository = createRequirementsRepository(deps.db);
  return async (tenantId: string, input: AddressInput, audit: AuditContext): Promise<{ record: AddressRecord; created: boolean }> => {
    const { provider, accountId } = await regulatoryProvider(deps, tenantId, input.accountId);
    const { companyId, accountId: _asked, ...fields } = input;
    const fingerprint = addressFingerprint(fields, companyId);
    const id = idFor(fingerprint, tenantId, accountId);
    const now = deps.now();
    const claimed = await repository.claimAddress(tenantId, id, (existing) => {
      if (existing?.status === 'ready') return { record: existing, mine: false };
      if (existing && now.getTime() - Date.parse(existing.updatedAt) < STALE_CREATION_MS) throw conflict('This address is being created; retry shortly', { addressId: id });
      const record: AddressRecord = {
        id,
        tenantId,
        provider: 'telnyx',
        accountId,
        status: 'creating',
        fingerprint,
        ...fields,
        ...(companyId !== undefined ? { companyId } : {}),
        createdAt: existing?.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
      };
      return { record, mine: true };
    });
    if (!claimed.mine) return { record: claimed.record, created: false };

    try {
      const telnyxInput = providerInput(fields, id);
      const verdict = await provider.validateAddress(telnyxInput);
      if (!verdict.valid) {
        const issues = verdict.errors.map((e) => {
          const field = e.pointer ? addressFieldOf(e.pointer.replace(/^\//, '')) : undefined;
          return { path: `body.${field === 'countryCode' ? 'country' : (field ?? 'address')}`, message: e.detail ?? e.title ?? 'invalid' };
        });
        const { countryCode, ...suggested } = verdict.suggested;
        throw new AppError('VALIDATION_ERROR', `Telnyx found this address invalid: ${issues.map((i) => i.message).join('; ') || 'no details given'}`, {
          issues: issues.length ? issues : [{ path: 'body', message: 'invalid address' }],
          reason: 'address_invalid',
          suggested: { ...suggested, ...(countryCode ? { country: countryCode } : {}) },
        });
      }
      const remote = await provider.createAddress(telnyxInput);
      const record = await repository.addresses.update(tenantId, id, audit, 'addresses.create', (current) => ({
        ...current,
        providerAddressId: remote.id,
        status: 'ready',
        updatedAt: deps.now().toISOString(),
      }));
      return { record, created: true };
    } catch (err) {
      // Nothing half-written: the placeholder goes when the provider did not create the address.
      await repository.dropAddress(tenantId, id);
      throw err;
    }
  };
}

/** The API view: no tenant, no fingerprint; its one-line form for people. */
export function addressResource(record: AddressRecord) {
  const { fingerprint: _f, ...rest } = toPublic(record);
  return { ...rest, formatted: formatAddress(record) };
}
