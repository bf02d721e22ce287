import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import { countryOf, nationalFormat, numberTypeOf } from '../../../shared/domain/phone.js';
import { AppError, conflict } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { createProvider } from '../../../shared/providers/registry.js';
import type { VapiProvider } from '../../../shared/providers/vapi/provider.js';
import type { CreateCredentialInput, CreatePhoneNumberInput, VapiNumber } from '../../../shared/providers/vapi/mapper.js';
import { newNumberId } from '../../numbers/index.js';
import { defaultLimits } from '../../../shared/domain/limits.js';
import { numbersUsingCredential, vapiCredentials, type VapiCredentialProvider, type VapiCredentialRecord } from '../repository.js';

/**
 * Importing numbers into the platform's Vapi org on a tenant's behalf. Tenant credentials go to
 * Vapi and are not stored here: Firestore keeps the Vapi credential id, provider and label. Every
 * Vapi object created is recorded under the tenant, and nothing lists the org itself.
 */
export {
  parseVapiCredential,
  vapiCredentialProviders,
  vapiCredentials,
  type VapiCredentialProvider,
  type VapiCredentialRecord,
} from '../repository.js';

type SipGateway = { ip: string; port: number; netmask?: number; inboundEnabled?: boolean; outboundEnabled?: boolean };
/** A credential's own fields, as POST /v1/vapi/credentials and an import's source take them. */
export type VapiCredentialFields =
  | { provider: 'vonage'; apiKey: string; apiSecret: string }
  | { provider: 'telnyx'; apiKey: string }
  | { provider: 'byo-sip-trunk'; gateways: SipGateway[]; authUsername?: string; authPassword?: string };

/** vonage / telnyx / byo-sip-trunk sources name a credential (credentialId) or bring its fields (schemas.ts checks which). */
export type VapiSource =
  | { type: 'vapi'; numberDesiredAreaCode?: string }
  | { type: 'twilio'; number: string; twilioAccountSid: string; twilioAuthToken?: string; twilioApiKey?: string; twilioApiSecret?: string }
  | { type: 'vonage'; number: string; credentialId?: string; apiKey?: string; apiSecret?: string }
  | { type: 'telnyx'; number: string; credentialId?: string; apiKey?: string }
  | {
      type: 'byo-sip-trunk';
      number: string;
      credentialId?: string;
      gateways?: SipGateway[];
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
    let madeCredential = false;
    let free: VapiNumber | undefined;
    let claimed = false;
    try {
      if (source.type === 'vonage' || source.type === 'telnyx' || source.type === 'byo-sip-trunk') {
        // A named credential, one the tenant already has with these same credentials, or a new one.
        const found = source.credentialId ? await namedCredential(deps, input.tenantId, source.type, source.credentialId) : await matchingCredential(deps, input.tenantId, fieldsOf(source));
        credential =
          found ??
          (await createVapiCredential(deps)(
            { tenantId: input.tenantId, uid: input.uid, fields: fieldsOf(source), ...(input.credentialLabel ? { label: input.credentialLabel } : {}), audit: input.audit, issuePath: 'body.source' },
            log,
          ));
        madeCredential = !found;
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
      // The second step failed: no orphan credential at Vapi, no half-written number here (a
      // credential the import found, rather than made, stays: other numbers may use it).
      if (credential && madeCredential) {
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

/** The credential fields of a source that brings them inline (schemas.ts guarantees they are there). */
function fieldsOf(source: Extract<VapiSource, { type: VapiCredentialProvider }>): VapiCredentialFields {
  switch (source.type) {
    case 'vonage':
      return { provider: 'vonage', apiKey: source.apiKey!, apiSecret: source.apiSecret! };
    case 'telnyx':
      return { provider: 'telnyx', apiKey: source.apiKey! };
    case 'byo-sip-trunk':
      return {
        provider: 'byo-sip-trunk',
        gateways: source.gateways!,
        ...(source.authUsername ? { authUsername: source.authUsername } : {}),
        ...(source.authPassword ? { authPassword: source.authPassword } : {}),
      };
  }
}

/** What Vapi's POST /credential gets (labels are ≤ 40 characters by then: schemas.ts refuses longer ones). */
function credentialFor(fields: VapiCredentialFields, label?: string): CreateCredentialInput {
  const name = label ? { name: label } : {};
  switch (fields.provider) {
    case 'vonage':
      return { provider: 'vonage', apiKey: fields.apiKey, apiSecret: fields.apiSecret, ...name };
    case 'telnyx':
      return { provider: 'telnyx', apiKey: fields.apiKey, ...name }; // G: Vapi's Telnyx credential shape is not in its public spec
    case 'byo-sip-trunk':
      return {
        provider: 'byo-sip-trunk',
        gateways: fields.gateways,
        ...(fields.authUsername ? { authUsername: fields.authUsername } : {}),
        ...(fields.authPassword ? { authPassword: fields.authPassword } : {}),
        ...name,
      };
  }
}

// ---- credential fingerprints: reuse without keeping the credentials ----

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem?: number }) => Promise<Buffer>;
const SCRYPT = { N: 1 << 12, r: 8, p: 1 }; // ≈ 30 ms per comparison: a tenant has few credentials of a provider

/** The credentials in one canonical string (a SIP trunk's gateways in order, with their defaults). */
function canonical(fields: VapiCredentialFields): string {
  switch (fields.provider) {
    case 'vonage':
      return JSON.stringify(['vonage', fields.apiKey, fields.apiSecret]);
    case 'telnyx':
      return JSON.stringify(['telnyx', fields.apiKey]);
    case 'byo-sip-trunk':
      return JSON.stringify([
        'byo-sip-trunk',
        fields.gateways.map((g) => [g.ip.toLowerCase(), g.port, g.netmask ?? null, g.inboundEnabled ?? true, g.outboundEnabled ?? true]),
        fields.authUsername ?? null,
        fields.authPassword ?? null,
      ]);
  }
}

async function fingerprintOf(fields: VapiCredentialFields, salt = randomBytes(16)): Promise<string> {
  const hash = await scrypt(canonical(fields), salt, 32, SCRYPT);
  return `scrypt1$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

async function sameCredentials(fingerprint: string | undefined, fields: VapiCredentialFields): Promise<boolean> {
  const [scheme, salt, hash] = fingerprint?.split('$') ?? [];
  if (scheme !== 'scrypt1' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(canonical(fields), Buffer.from(salt, 'base64url'), expected.length, SCRYPT);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The tenant's credential with exactly these credentials, if it has one (newest first). */
async function matchingCredential(deps: Pick<Deps, 'db'>, tenantId: string, fields: VapiCredentialFields): Promise<VapiCredentialRecord | undefined> {
  const page = await vapiCredentials(deps.db).list(tenantId, 100, undefined, [['provider', '==', fields.provider]], { total: false });
  for (const record of page.items) if (await sameCredentials(record.fingerprint, fields)) return record;
  return undefined;
}

/** source.credentialId: the tenant's own credential, of the source's provider. */
async function namedCredential(deps: Pick<Deps, 'db'>, tenantId: string, provider: VapiCredentialProvider, id: string): Promise<VapiCredentialRecord> {
  const record = await vapiCredentials(deps.db).get(tenantId, id);
  if (!record) {
    throw new AppError('NOT_FOUND', 'Vapi credential not found', { issues: [{ path: 'body.source.credentialId', message: 'no such Vapi credential in this tenant' }] });
  }
  if (record.provider !== provider) {
    throw new AppError('VALIDATION_ERROR', `Credential ${id} is a ${record.provider} credential; this source needs a ${provider} one`, {
      issues: [{ path: 'body.source.credentialId', message: `not a ${provider} credential` }],
    });
  }
  return record;
}

/** The fields a source provider verifies, and where each one is in the request. */
const verifiedFields = { vonage: ['apiKey', 'apiSecret'], telnyx: ['apiKey'] } as const;

export interface CreateVapiCredentialInput {
  tenantId: string;
  uid: string;
  fields: VapiCredentialFields;
  label?: string;
  audit: AuditContext;
  /** Where the fields are in the request (`body`, or `body.source` on an import): for error details. */
  issuePath: string;
}

/**
 * Creates a tenant's Vapi credential: Vonage and Telnyx credentials are verified with that provider
 * first (400 naming the fields when refused, nothing created), then the credential is created at
 * Vapi (which checks them too) and recorded here with its label and fingerprint — never the secrets.
 */
export function createVapiCredential(deps: ImportDeps) {
  return async (input: CreateVapiCredentialInput, log: Logger): Promise<VapiCredentialRecord> => {
    const { fields } = input;
    let verifiedAt: string | undefined;
    if (fields.provider === 'vonage' || fields.provider === 'telnyx') {
      const { provider: _p, ...credentials } = fields;
      const source = await createProvider(fields.provider, credentials, deps);
      try {
        await source.verifyCredentials();
      } catch (err) {
        if (err instanceof ProviderError && (err.info.kind === 'auth' || err.info.httpStatus === 401 || err.info.httpStatus === 403)) {
          throw new AppError('VALIDATION_ERROR', `${fields.provider} rejected these credentials; nothing was created. Check them and try again.`, {
            issues: verifiedFields[fields.provider].map((field) => ({ path: `${input.issuePath}.${field}`, message: `rejected by ${fields.provider}` })),
            provider: fields.provider,
          });
        }
        throw err;
      }
      verifiedAt = deps.now().toISOString();
    }
    const fingerprint = await fingerprintOf(fields);
    const provider = await vapi(deps, input.tenantId);
    const created = await provider.client.createCredential(credentialFor(fields, input.label));
    const now = deps.now().toISOString();
    try {
      return await vapiCredentials(deps.db).create(
        {
          id: vapiCredentials(deps.db).newId(),
          tenantId: input.tenantId,
          vapiCredentialId: created.id,
          provider: fields.provider,
          ...(input.label ? { label: input.label } : {}),
          fingerprint,
          ...(verifiedAt ? { verifiedAt } : {}),
          createdBy: input.uid,
          createdAt: now,
          updatedAt: now,
        },
        input.audit,
        'vapi_credentials.create',
      );
    } catch (err) {
      await provider.client.deleteCredential(created.id).catch((e) => log.error('could not roll back a Vapi credential', { err: e, vapiCredentialId: created.id }));
      throw err;
    }
  };
}

/** A credential as the API shows it: no fingerprint, no author; with the numbers that use it when asked. */
export function toCredentialResource(record: VapiCredentialRecord, numbers?: { id: string; phoneNumber: string; status: string }[]) {
  const { createdBy: _c, fingerprint: _f, tenantId: _t, ...rest } = record;
  return { ...rest, ...(numbers ? { numbers } : {}) };
}

/** The tenant's numbers that use a credential now (those a delete would strand). */
export const numbersUsing = (deps: Pick<Deps, 'db'>, tenantId: string, credentialId: string) => numbersUsingCredential(deps.db, tenantId, credentialId);

async function createNumber(provider: VapiProvider, source: VapiSource, input: VapiImportInput, credentialId: string | undefined, log: Logger): Promise<VapiNumber> {
  const common = {
    ...(input.displayName ? { name: input.displayName } : {}),
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
      };
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
    // Both reads, and the Vapi client, at once; the answers keep their order (409 before 404).
    const [held, record, provider] = [deps.numbers.anyHeld(tenantId, 'vapiCredentialId', id), vapiCredentials(deps.db).require(tenantId, id), vapi(deps, tenantId)];
    record.catch(() => undefined);
    provider.catch(() => undefined);
    const user = await held;
    if (user) throw conflict('A number still uses this credential; release it first', { numberId: user.id });
    const found = await record;
    await (await provider).client.deleteCredential(found.vapiCredentialId);
    return vapiCredentials(deps.db).delete(tenantId, id, audit, 'vapi_credentials.delete');
  };
}
