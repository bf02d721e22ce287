import { countryOf, nationalFormat, numberTypeOf } from '../../domain/phone.js';
import type { Logger } from '../../log.js';
import { ProviderError, type NumberProvider, type ProviderCapabilities, type ProviderNumber } from '../types.js';
import { createVapiClient, type VapiClient } from './client.js';
import type { VapiNumber } from './mapper.js';

/**
 * Vapi as a NumberProvider for numbers already imported into the platform's Vapi org: get,
 * update (assistant, name, server URL, fallback), release, look-up and listing for
 * reconciliation. Vapi numbers are imported, never searched or bought here — the import flow
 * lives in modules/vapi/services/import.ts.
 */
export const vapiCapabilities: ProviderCapabilities = {
  countries: 'any',
  numberTypes: [],
  searchFilters: [],
  maxSearchLimit: 0,
};

export interface VapiProvider extends NumberProvider {
  readonly client: VapiClient;
}

export function toProviderNumber(number: VapiNumber): ProviderNumber {
  const e164 = number.number?.startsWith('+') ? number.number : undefined;
  return {
    providerNumberId: number.id,
    phoneNumber: number.number ?? number.sipUri ?? number.id,
    friendlyName: e164 ? nationalFormat(e164) : number.number ?? number.sipUri ?? number.id,
    provider: 'vapi',
    ...(e164 && countryOf(e164) ? { country: countryOf(e164)! } : {}),
    ...(e164 ? { type: numberTypeOf(e164) } : {}),
    capabilities: { voice: true, sms: false, mms: false, fax: false },
    ...(number.name ? { label: number.name } : {}),
  };
}

const refuse = (what: string) =>
  new ProviderError('vapi', `Vapi numbers are imported, not ${what}: use POST /v1/numbers with provider "vapi" and a source`, {
    retryable: false,
    kind: 'invalid_request',
  });

export function createVapiProvider(options: { credentials: { apiKey: string }; baseUrl: string; timeoutMs: number; logger: Logger }): VapiProvider {
  const client = createVapiClient({ apiKey: options.credentials.apiKey, baseUrl: options.baseUrl, timeoutMs: options.timeoutMs, logger: options.logger });
  return {
    name: 'vapi',
    capabilities: vapiCapabilities,
    client,
    async verifyCredentials(signal) {
      await client.listPhoneNumbers({ limit: 1 }, signal);
    },
    async search() {
      throw refuse('searched');
    },
    async purchase() {
      throw refuse('bought');
    },
    async get(id, signal) {
      return toProviderNumber(await client.getPhoneNumber(id, signal));
    },
    async findOwned(phoneNumber, signal) {
      const found = await client.findPhoneNumber({ number: phoneNumber }, signal);
      return found ? toProviderNumber(found) : undefined;
    },
    async list(listOptions, signal) {
      const page = await client.listPhoneNumbersPage({ page: Number(listOptions?.pageToken ?? 1), limit: Math.min(listOptions?.pageSize ?? 100, 100) }, signal);
      return {
        numbers: page.numbers.map(toProviderNumber),
        ...(page.hasNextPage ? { nextPageToken: String(page.page + 1) } : {}),
      };
    },
    async update(id, changes, signal) {
      const updated = await client.updatePhoneNumber(
        id,
        {
          ...(changes.label !== undefined ? { name: changes.label } : {}),
          ...(changes.assistantId !== undefined ? { assistantId: changes.assistantId } : {}),
          ...(changes.serverUrl !== undefined ? { serverUrl: changes.serverUrl } : {}),
          ...(changes.fallbackNumber !== undefined ? { fallbackNumber: changes.fallbackNumber } : {}),
        },
        signal,
      );
      return toProviderNumber(updated);
    },
    async release(id, signal) {
      await client.deletePhoneNumber(id, signal);
    },
  };
}
