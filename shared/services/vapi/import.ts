import type { Firestore } from '@google-cloud/firestore';
import type { AuditContext } from '../../domain/audit.js';
import type { Deps } from '../../deps.js';
import type { NumberRecord } from '../../domain/number.js';
import { countryOf, nationalFormat, numberTypeOf } from '../../domain/phone.js';
import { AppError, conflict } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import { ProviderError } from '../../providers/types.js';
import type { VapiProvider } from '../../providers/vapi/provider.js';
import type { CreateCredentialInput, CreatePhoneNumberInput, VapiNumber } from '../../providers/vapi/mapper.js';
import { newNumberId } from '../../store/numbers-store.js';
import { defaultLimits } from '../../domain/limits.js';
import { createTenantCollection, type TenantDoc } from '../../store/tenant-collection.js';

/**
 * Importing numbers into the platform's Vapi org on a tenant's behalf. Tenant credentials go to
 * Vapi and are not stored here: Firestore keeps the Vapi credential id, provider and label. Every
 * Vapi object created is recorded under the tenant, and nothing lists the org itself.
 */
export interface VapiCredentialRecord extends TenantDoc {
  vapiCredentialId: string;
  provider: 'vonage' | 'telnyx' | 'byo-sip-trunk';
  label?: string;
  createdBy: string;
}

export const vapiCredentials = (db: () => Promise<Firestore>) =>
  createTenantCollection<VapiCredentialRecord>(db, { collection: 'vapiCredentials', idPrefix: 'vcr', resource: 'vapi-credentials', label: 'Vapi credential' });

export type VapiSource =
  | { type: 'vapi'; numberDesiredAreaCode?: string }
  | { type: 'twilio'; number: string; twilioAccountSid: string; twilioAuthToken?: string; twilioApiKey?: string; twilioApiSecret?: string }
  | { type: 'vonage'; number: string; apiKey: string; apiSecret: string }
  | { type: 'telnyx'; number: string; apiKey: string }
  | {
      type: 'byo-sip-trunk';
      number: string;
      gateways: { ip: string; port: number; netmask?: number; inboundEnabled?: boolean; outboundEnabled?: boolean }[];
      authUsername?: string;
      authPassword?: string;
      numberE164CheckEnabled: boolean;
    };

export interface VapiImportInput {
  tenantId: string;
  uid: string;
  source: VapiSource;
  displayName?: string;
  tags?: string[];
  assistantId?: string;
  serverUrl?: string;
  fallbackNumber?: string;
  credentialLabel?: string;
  audit: AuditContext;
}

type ImportDeps = Pick<Deps, 'db' | 'providers' | 'numbers' | 'now' | 'config' | 'tasks' | 'log'>;

async function vapi(deps: ImportDeps, tenantId: string): Promise<VapiProvider> {
  return (await deps.providers.forAccount(tenantId, 'vapi', 'platform')) as VapiProvider;
}

export function importVapiNumber(deps: ImportDeps) {
  return async (input: VapiImportInput, log: Logger): Promise<NumberRecord> => {
    const { source } = input;
    if (source.type === 'vapi' && !deps.config.VAPI_ALLOW_FREE_NUMBERS) {
      throw new AppError('VALIDATION_ERROR', 'Free Vapi numbers are not enabled on this platform (VAPI_ALLOW_FREE_NUMBERS)', {
        issues: [{ path: 'body.source.type', message: 'not enabled' }],
      });
    }
    const provider = await vapi(deps, input.tenantId);
    const now = deps.now();
    const known = source.type === 'vapi' ? undefined : source.number;
    const draft: NumberRecord = {
      id: newNumberId(),
      tenantId: input.tenantId,
      provider: 'vapi',
      accountId: 'platform',
      phoneNumber: known ?? 'pending',
      friendlyName: known?.startsWith('+') ? nationalFormat(known) : known ?? 'pending',
      country: (known?.startsWith('+') && countryOf(known)) || 'ZZ',
      type: known?.startsWith('+') ? numberTypeOf(known) : 'local',
      capabilities: { voice: true, sms: false, mms: false, fax: false },
      tags: input.tags ?? [],
      smsEnabled: false,
      voiceEnabled: true,
      ...(input.displayName ? { displayName: input.displayName } : {}),
      vapi: { source: source.type, ...(input.assistantId ? { assistantId: input.assistantId } : {}) },
      status: 'pending',
      purchase: { leaseUntil: new Date(now.getTime() + deps.config.PURCHASE_LEASE_SECONDS * 1000).toISOString(), attempts: 1, outcome: 'in_flight' },
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: input.uid,
    };
    // A number is imported once, by one tenant (409 otherwise); nor may a tenant import a number
    // another tenant holds at its provider here. Imports count against the held numbers; free
    // numbers come from the platform's shared org and count against purchases and their own cap too.
    const limits = defaultLimits(deps.config);
    if (known) {
      const notHeldAt = source.type === 'twilio' || source.type === 'vonage' || source.type === 'telnyx' ? source.type : undefined;
      const claim = await deps.numbers.claimForPurchase(draft, now, input.audit, limits, { usage: 'import', ...(notHeldAt ? { notHeldAt } : {}) });
      if (claim.kind === 'resumed') {
        const existing = await provider.client.findPhoneNumber({ number: known });
        if (existing) return settle(deps, claim.record, existing, undefined, input.audit);
      }
    }

    if (!known) await deps.numbers.reserveUsage(input.tenantId, limits, 'free', now);
    let credential: VapiCredentialRecord | undefined;
    let free: VapiNumber | undefined;
    let claimed = false;
    try {
      const credentialInput = credentialFor(source, input.credentialLabel);
      if (credentialInput) {
        const created = await provider.client.createCredential(credentialInput);
        credential = await vapiCredentials(deps.db).create(
          {
            id: vapiCredentials(deps.db).newId(),
            tenantId: input.tenantId,
            vapiCredentialId: created.id,
            provider: source.type as VapiCredentialRecord['provider'],
            ...(input.credentialLabel ? { label: input.credentialLabel } : {}),
            createdBy: input.uid,
            createdAt: now.toISOString(),
            updatedAt: now.toISOString(),
          },
          input.audit,
          'vapi_credentials.create',
        );
      }
      const number = await createNumber(provider, source, input, credential?.vapiCredentialId, log);
      if (!known) {
        // A free Vapi number: its E.164 is known only now (its usage was taken before asking).
        free = number;
        const e164 = number.number ?? number.id;
        const claim = await deps.numbers.claimForPurchase(
          { ...draft, phoneNumber: e164, friendlyName: e164.startsWith('+') ? nationalFormat(e164) : e164, country: countryOf(e164) ?? 'ZZ', type: e164.startsWith('+') ? numberTypeOf(e164) : 'local' },
          deps.now(),
          input.audit,
          undefined,
          { usage: { precounted: 'free' } },
        );
        claimed = true;
        return await settle(deps, claim.record, number, undefined, input.audit);
      }
      return await settle(deps, draft, number, credential, input.audit);
    } catch (err) {
      // The second step failed: no orphan credential at Vapi, no half-written number here.
      if (credential) {
        await provider.client.deleteCredential(credential.vapiCredentialId).catch((e) => log.error('could not roll back a Vapi credential', { err: e, credential: credential!.id }));
        await vapiCredentials(deps.db).delete(input.tenantId, credential.id, input.audit, 'vapi_credentials.rollback').catch(() => undefined);
      }
      if (known) await deps.numbers.abandonPurchase(input.tenantId, draft.id, known, input.audit);
      if (!known && !claimed) {
        // Nothing of the free number is recorded: give it back to Vapi, and its usage to the tenant.
        if (free) await provider.client.deletePhoneNumber(free.id).catch((e) => log.error('could not give back a free Vapi number', { err: e, vapiNumberId: free!.id }));
        await deps.numbers.refundUsage(input.tenantId, 'free', deps.now()).catch((e) => log.error('could not refund a free number’s usage', { err: e }));
      }
      throw err;
    }
  };
}

function credentialFor(source: VapiSource, label?: string): CreateCredentialInput | undefined {
  const name = label ? { name: label.slice(0, 40) } : {};
  switch (source.type) {
    case 'vonage':
      return { provider: 'vonage', apiKey: source.apiKey, apiSecret: source.apiSecret, ...name };
    case 'telnyx':
      return { provider: 'telnyx', apiKey: source.apiKey, ...name }; // G: Vapi's Telnyx credential shape is not in its public spec
    case 'byo-sip-trunk':
      return {
        provider: 'byo-sip-trunk',
        gateways: source.gateways,
        ...(source.authUsername ? { authUsername: source.authUsername } : {}),
        ...(source.authPassword ? { authPassword: source.authPassword } : {}),
        ...name,
      } as CreateCredentialInput;
    default:
      return undefined; // vapi: nothing to bring; twilio: credentials travel with the number
  }
}

async function createNumber(provider: VapiProvider, source: VapiSource, input: VapiImportInput, credentialId: string | undefined, log: Logger): Promise<VapiNumber> {
  const common = {
    ...(input.displayName ? { name: input.displayName.slice(0, 40) } : {}),
    ...(input.assistantId ? { assistantId: input.assistantId } : {}),
    ...(input.serverUrl ? { serverUrl: input.serverUrl } : {}),
    ...(input.fallbackNumber ? { fallbackNumber: input.fallbackNumber } : {}),
  };
  let request: CreatePhoneNumberInput;
  switch (source.type) {
    case 'vapi':
      request = { provider: 'vapi', ...(source.numberDesiredAreaCode ? { numberDesiredAreaCode: source.numberDesiredAreaCode } : {}), ...common };
      break;
    case 'twilio':
      request = {
        provider: 'twilio',
        number: source.number,
        twilioAccountSid: source.twilioAccountSid,
        ...(source.twilioAuthToken ? { twilioAuthToken: source.twilioAuthToken } : { twilioApiKey: source.twilioApiKey!, twilioApiSecret: source.twilioApiSecret! }),
        // Inbound SMS stays with the tenant's own Twilio configuration.
        smsEnabled: false,
        ...common,
      } as CreatePhoneNumberInput;
      break;
    case 'vonage':
    case 'telnyx':
      request = { provider: source.type, number: source.number, credentialId: credentialId!, ...common };
      break;
    case 'byo-sip-trunk':
      request = { provider: 'byo-phone-number', number: source.number, credentialId: credentialId!, numberE164CheckEnabled: source.numberE164CheckEnabled, ...common };
      break;
  }
  try {
    return await provider.client.createPhoneNumber(request);
  } catch (err) {
    if (err instanceof ProviderError && err.ambiguous && source.type !== 'vapi') {
      log.warn('ambiguous Vapi import; looking the number up', {});
      const found = await provider.client.findPhoneNumber({ number: source.number });
      if (found) return found;
    }
    if (err instanceof ProviderError && err.info.kind === 'not_available') {
      throw conflict(`Vapi already has this number: ${err.message}`, { provider: 'vapi', providerCode: err.info.providerCode, retryable: false });
    }
    throw err;
  }
}

function settle(deps: Pick<Deps, 'numbers' | 'now'>, draft: NumberRecord, number: VapiNumber, credential: VapiCredentialRecord | undefined, audit: AuditContext) {
  return deps.numbers.update(draft.tenantId, draft.id, 'numbers.import', audit, (current) => {
    const { purchase: _p, ...rest } = current;
    const now = deps.now().toISOString();
    return {
      ...rest,
      status: 'active',
      providerNumberId: number.id,
      ...(credential ? { vapiCredentialId: credential.id } : {}),
      vapi: {
        ...current.vapi!,
        ...(credential ? { credentialId: credential.id, vapiCredentialId: credential.vapiCredentialId } : {}),
        ...(number.assistantId ? { assistantId: number.assistantId } : {}),
        ...(number.serverUrl ? { serverUrl: number.serverUrl } : {}),
        ...(number.fallbackNumber ? { fallbackNumber: number.fallbackNumber } : {}),
      },
      provisionedAt: now,
      updatedAt: now,
    };
  });
}

/** Removes a tenant's Vapi credential (at Vapi and here); 409 while a number still uses it. */
export function deleteVapiCredential(deps: ImportDeps) {
  return async (tenantId: string, id: string, audit: AuditContext) => {
    const held = await deps.numbers.anyHeld(tenantId, 'vapiCredentialId', id);
    if (held) throw conflict('A number still uses this credential; release it first', { numberId: held.id });
    const record = await vapiCredentials(deps.db).require(tenantId, id);
    await (await vapi(deps, tenantId)).client.deleteCredential(record.vapiCredentialId);
    return vapiCredentials(deps.db).delete(tenantId, id, audit, 'vapi_credentials.delete');
  };
}
