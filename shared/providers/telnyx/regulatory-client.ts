/**
 * Telnyx's regulatory surface, apart from numbers and orders (client.ts composes it): requirements,
 * requirement groups, documents and addresses (an address requirement takes an address id).
 * Contract: ../shared/contracts/telnyx/spec3.yml.
 */
import type { ProviderRequest } from '../http.js';
import { ProviderError, numberTypes, type NumberType } from '../types.js';
import { addressCreateBody, addressValidateBody, mapAddress, mapAddressValidation, type TelnyxAddress, type TelnyxAddressInput, type TelnyxAddressValidation } from './addresses-mapper.js';
import {
  mapDocument,
  mapRequirementGroup,
  mapRequirements,
  type RequirementAction,
  type TelnyxDocument,
  type TelnyxRequirementGroup,
  type TelnyxRequirementList,
} from './requirements-mapper.js';

export interface RequirementQuery {
  country: string;
  type: NumberType;
  action: RequirementAction;
}

export interface CreateRequirementGroupRequest extends RequirementQuery {
  customerReference?: string;
  /** Initial values (optional: they can be set later with updateRequirementGroup). */
  values?: Array<{ requirementId: string; value: string }>;
}

export interface UploadDocumentRequest {
  filename: string;
  /** Informational: Telnyx derives the type from the file itself (JSON upload has no such field). */
  contentType: string;
  data: Buffer;
  customerReference?: string;
}

export interface TelnyxRegulatory {
  /** GET /requirements: the requirement types to fulfil for a country / type / action. */
  /** GET /requirements: the requirement types to fulfil for a country / type / action. */
  listRequirements(query: RequirementQuery, signal?: AbortSignal): Promise<TelnyxRequirementList>;
  createRequirementGroup(request: CreateRequirementGroupRequest, signal?: AbortSignal): Promise<TelnyxRequirementGroup>;
  getRequirementGroup(id: string, signal?: AbortSignal): Promise<TelnyxRequirementGroup>;
  updateRequirementGroup(
    id: string,
    values: Array<{ requirementId: string; value: string }>,
    options?: { customerReference?: string },
    signal?: AbortSignal,
  ): Promise<TelnyxRequirementGroup>;
  /** POST /requirement_groups/{id}/submit_for_approval. */
  submitRequirementGroup(id: string, signal?: AbortSignal): Promise<TelnyxRequirementGroup>;
  /** POST /documents (JSON, base64 `file`): returns the document id to use as a requirement value. */
  uploadDocument(request: UploadDocumentRequest, signal?: AbortSignal): Promise<TelnyxDocument>;
  /** POST /addresses/actions/validate: Telnyx's verdict on an address, with its suggestion. */
  validateAddress(input: TelnyxAddressInput, signal?: AbortSignal): Promise<TelnyxAddressValidation>;
  /** POST /addresses: the address id an address requirement takes. */
  createAddress(input: TelnyxAddressInput, signal?: AbortSignal): Promise<TelnyxAddress>;
  /** GET /addresses/{id}. */
  getAddress(id: string, signal?: AbortSignal): Promise<TelnyxAddress>;
}

const MAX_PAGE_SIZE = 250;
const MAX_REQUIREMENT_PAGES = 10;
const ID = /^[0-9A-Za-z_-]{1,64}$/;

function invalid(message: string): ProviderError {
  return new ProviderError('telnyx', message, { retryable: false, kind: 'invalid_request' });
}

function pathId(id: string, what: string): string {
  if (!ID.test(id)) throw invalid(`${what} must be 1-64 letters, digits, '-' or '_'`);
  return encodeURIComponent(id);
}

function checkAddress(input: TelnyxAddressInput): void {
  if (!/^[A-Z]{2}$/.test(input.countryCode)) throw invalid('countryCode must be an ISO 3166-1 alpha-2 code');
  for (const field of ['businessName', 'firstName', 'lastName', 'streetAddress', 'locality', 'postalCode'] as const) {
    if (!input[field]?.trim()) throw invalid(`${field} is required`);
  }
}

export function createTelnyxRegulatory(call: (req: ProviderRequest) => Promise<unknown>): TelnyxRegulatory {
  function requirementQuery(q: RequirementQuery): RequirementQuery {
    const country = q.country?.toUpperCase();
    if (!country || !/^[A-Z]{2}$/.test(country)) throw invalid('country must be an ISO 3166-1 alpha-2 code');
    if (!(numberTypes as readonly string[]).includes(q.type)) throw invalid(`unknown number type '${q.type}'`);
    if (!['ordering', 'porting', 'branded_calling'].includes(q.action)) throw invalid(`unknown requirement action '${q.action}'`);
    return { country, type: q.type, action: q.action };
  }

  return {
    async listRequirements(q: RequirementQuery, signal?: AbortSignal): Promise<TelnyxRequirementList> {
      const { country, type, action } = requirementQuery(q);
      // The /requirements filter only knows local, national and toll_free: for other types ask
      // for the country + action and keep records for the type (or for every type) here.
      const typeFilter = type === 'local' || type === 'national' || type === 'toll_free' ? type : undefined;
      const bodies: unknown[] = [];
      for (let page = 1; page <= MAX_REQUIREMENT_PAGES; page++) {
        const body = await call({
          method: 'GET',
          path: '/requirements',
          query: {
            'filter[country_code]': country,
            'filter[phone_number_type]': typeFilter,
            'filter[action]': action,
            'page[number]': page,
            'page[size]': MAX_PAGE_SIZE,
          },
          idempotent: true,
          signal,
          operation: 'telnyx.listRequirements',
        });
        bodies.push(body);
        const meta = (body as { meta?: { total_pages?: unknown } })?.meta;
        if (typeof meta?.total_pages !== 'number' || page >= meta.total_pages) break;
      }
      return mapRequirements(bodies, { country, type, action });
    },

    async createRequirementGroup(request: CreateRequirementGroupRequest, signal?: AbortSignal): Promise<TelnyxRequirementGroup> {
      const { country, type, action } = requirementQuery(request);
      if (action === 'branded_calling') throw invalid('requirement groups exist for ordering and porting only');
      const json: Record<string, unknown> = { country_code: country, phone_number_type: type, action };
      if (request.customerReference) json.customer_reference = request.customerReference;
      if (request.values && request.values.length > 0) {
        json.regulatory_requirements = request.values.map((v) => ({ requirement_id: v.requirementId, field_value: v.value }));
      }
      const body = await call({ method: 'POST', path: '/requirement_groups', json, idempotent: false, signal, operation: 'telnyx.createRequirementGroup' });
      return mapRequirementGroup(body);
    },

    async getRequirementGroup(id: string, signal?: AbortSignal): Promise<TelnyxRequirementGroup> {
      const body = await call({ method: 'GET', path: `/requirement_groups/${pathId(id, 'requirement group id')}`, idempotent: true, signal, operation: 'telnyx.getRequirementGroup' });
      return mapRequirementGroup(body);
    },

    async updateRequirementGroup(id, values, opts = {}, signal?: AbortSignal): Promise<TelnyxRequirementGroup> {
      const json: Record<string, unknown> = {
        regulatory_requirements: values.map((v) => ({ requirement_id: v.requirementId, field_value: v.value })),
      };
      if (opts.customerReference !== undefined) json.customer_reference = opts.customerReference;
      const body = await call({
        method: 'PATCH',
        path: `/requirement_groups/${pathId(id, 'requirement group id')}`,
        json,
        idempotent: true,
        signal,
        operation: 'telnyx.updateRequirementGroup',
      });
      return mapRequirementGroup(body);
    },

    async submitRequirementGroup(id: string, signal?: AbortSignal): Promise<TelnyxRequirementGroup> {
      const body = await call({
        method: 'POST',
        path: `/requirement_groups/${pathId(id, 'requirement group id')}/submit_for_approval`,
        // Submitting a group that is already pending has no further effect.
        idempotent: true,
        signal,
        operation: 'telnyx.submitRequirementGroup',
      });
      return mapRequirementGroup(body);
    },

    async uploadDocument(request: UploadDocumentRequest, signal?: AbortSignal): Promise<TelnyxDocument> {
      if (!request.filename || /[\\/]/.test(request.filename)) throw invalid('filename must be a plain file name');
      if (!Buffer.isBuffer(request.data) || request.data.length === 0) throw invalid('document data must be a non-empty Buffer');
      const json: Record<string, unknown> = { file: request.data.toString('base64'), filename: request.filename };
      if (request.customerReference) json.customer_reference = request.customerReference;
      const body = await call({ method: 'POST', path: '/documents', json, idempotent: false, signal, operation: 'telnyx.uploadDocument' });
      return mapDocument(body);
    },

    async validateAddress(input: TelnyxAddressInput, signal?: AbortSignal): Promise<TelnyxAddressValidation> {
      checkAddress(input);
      const body = await call({ method: 'POST', path: '/addresses/actions/validate', json: addressValidateBody(input), idempotent: true, signal, operation: 'telnyx.validateAddress' });
      return mapAddressValidation(body);
    },

    async createAddress(input: TelnyxAddressInput, signal?: AbortSignal): Promise<TelnyxAddress> {
      checkAddress(input);
      const body = await call({ method: 'POST', path: '/addresses', json: addressCreateBody(input), idempotent: false, signal, operation: 'telnyx.createAddress' });
      return mapAddress(body);
    },

    async getAddress(id: string, signal?: AbortSignal): Promise<TelnyxAddress> {
      const body = await call({ method: 'GET', path: `/addresses/${pathId(id, 'Telnyx address id')}`, idempotent: true, signal, operation: 'telnyx.getAddress' });
      return mapAddress(body);
    },
  };
}
