/**
 * Addresses in the Telnyx sandbox: POST/GET /addresses, GET/DELETE /addresses/{id} and
 * POST /addresses/actions/validate (spec3.yml: AddressCreate, Address, ValidateAddressRequest,
 * ValidateAddressResult). An address requirement of a requirement group takes the id of one of
 * the account's addresses (UpdateRegulatoryRequirement: "For address and document requirements,
 * this should be the ID of the resource"): telnyx.ts asks `has()` before it accepts a value.
 *
 * Validation, as the sandbox does it: the country must be one the sandbox sells numbers in; the
 * postal code must have the country's format; and where the sandbox knows a city's postal
 * codes (the cities of its inventory, a few more), a postal code of another city makes the
 * address `invalid`, with the city the postal code belongs to as the suggestion.
 */
import { randomUUID } from 'node:crypto';
import { COUNTRIES } from './telnyx-inventory.js';
import { ApiError, badRequest, notFound, type ErrorItem } from './telnyx-errors.js';
import { lower, paginate } from './telnyx-params.js';

export interface AddressRec {
  id: string;
  account: string;
  business_name: string;
  first_name: string;
  last_name: string;
  street_address: string;
  extended_address?: string;
  locality: string;
  postal_code: string;
  administrative_area?: string;
  country_code: string;
  customer_reference?: string;
  address_book: boolean;
  validate_address: boolean;
  created_at: string;
  updated_at: string;
}

const POSTAL_FORMAT: Record<string, RegExp> = {
  US: /^\d{5}(-\d{4})?$/,
  FR: /^\d{5}$/,
  DE: /^\d{5}$/,
  ES: /^\d{5}$/,
  GB: /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i,
};

/** Cities whose postal codes the sandbox knows (by prefix). */
const CITY_POSTAL_PREFIXES: Record<string, Array<[string, string[]]>> = {
  FR: [
    ['Paris', ['75']],
    ['Lyon', ['69']],
    ['Nantes', ['44']],
    ['Lille', ['59']],
    ['Bordeaux', ['33']],
    ['Marseille', ['13']],
  ],
  DE: [
    ['Berlin', ['10', '12', '13', '14']],
    ['München', ['80', '81']],
    ['Hamburg', ['20', '21', '22']],
    ['Frankfurt am Main', ['60']],
    ['Köln', ['50', '51']],
  ],
  ES: [
    ['Madrid', ['28']],
    ['Barcelona', ['08']],
    ['Valencia', ['46']],
    ['Sevilla', ['41']],
  ],
  GB: [
    ['London', ['E', 'EC', 'N', 'NW', 'SE', 'SW', 'W', 'WC']],
    ['Manchester', ['M']],
    ['Birmingham', ['B']],
    ['Edinburgh', ['EH']],
    ['Leeds', ['LS']],
  ],
};

const STRING_FIELDS = [
  'business_name',
  'first_name',
  'last_name',
  'street_address',
  'extended_address',
  'locality',
  'postal_code',
  'administrative_area',
  'country_code',
  'customer_reference',
  'neighborhood',
  'borough',
  'phone_number',
] as const;
const CREATE_REQUIRED = ['first_name', 'last_name', 'business_name', 'street_address', 'locality', 'country_code'] as const;
const VALIDATE_REQUIRED = ['country_code', 'street_address', 'postal_code'] as const;

/** The postal-code prefix of a GB code is its letters; elsewhere its first two digits. */
function cityOfPostalCode(country: string, postal: string): string | undefined {
  const key = country === 'GB' ? /^[A-Z]+/i.exec(postal)?.[0]?.toUpperCase() ?? '' : postal.slice(0, 2);
  return CITY_POSTAL_PREFIXES[country]?.find(([, prefixes]) => prefixes.includes(key))?.[0];
}

function knownCity(country: string, locality: string): string | undefined {
  return CITY_POSTAL_PREFIXES[country]?.find(([city]) => lower(city) === lower(locality))?.[0];
}

const fieldError = (code: string, title: string, detail: string, field: string): ErrorItem => ({ code, title, detail, source: { pointer: `/${field}` } });

export class TelnyxAddressBook {
  addresses = new Map<string, AddressRec>();

  snapshot(): AddressRec[] {
    return [...this.addresses.values()];
  }

  restore(list: AddressRec[] | undefined): void {
    for (const a of list ?? []) this.addresses.set(a.id, a);
  }

  clear(): void {
    this.addresses.clear();
  }

  /** The account's address with this id (what an address requirement must name). */
  find(account: string, id: string): AddressRec | undefined {
    const a = this.addresses.get(id);
    return a && a.account === account ? a : undefined;
  }

  private strings(body: Record<string, unknown>): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = {};
    for (const name of STRING_FIELDS) {
      const v = body[name];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') throw badRequest(`${name} must be a string`, { pointer: `/${name}` });
      out[name] = v.trim() === '' ? undefined : v.trim();
    }
    return out;
  }

  private required(fields: Record<string, string | undefined>, names: readonly string[]): void {
    for (const name of names) {
      if (fields[name] === undefined) throw new ApiError(422, '10004', 'Missing required parameter', `The '${name}' parameter is required.`, { pointer: `/${name}` });
    }
  }

  /** The address's problems (Telnyx Error objects) and the normalised suggestion. */
  private check(fields: Record<string, string | undefined>): { errors: ErrorItem[]; suggested: Record<string, string> } {
    const errors: ErrorItem[] = [];
    const country = (fields.country_code ?? '').toUpperCase();
    const suggested: Record<string, string> = {};
    for (const name of ['street_address', 'extended_address', 'locality', 'postal_code', 'administrative_area'] as const) if (fields[name]) suggested[name] = fields[name]!;
    suggested.country_code = country;
    if (!/^[A-Z]{2}$/.test(country) || !COUNTRIES[country]) {
      errors.push(fieldError('10015', 'Invalid country code', `country_code '${fields.country_code ?? ''}' is not a country addresses can be created for.`, 'country_code'));
      return { errors, suggested };
    }
    const postal = fields.postal_code;
    if (postal !== undefined && !POSTAL_FORMAT[country]!.test(postal)) {
      errors.push(fieldError('10015', 'Invalid postal code', `'${postal}' is not a ${country} postal code.`, 'postal_code'));
    } else if (postal !== undefined && fields.locality) {
      const city = cityOfPostalCode(country, postal);
      const named = knownCity(country, fields.locality);
      if (city && named && city !== named) {
        errors.push(fieldError('10015', 'Postal code does not match locality', `Postal code ${postal} belongs to ${city}, not ${fields.locality}.`, 'locality'));
        suggested.locality = city;
      } else if (!city && named) {
        errors.push(fieldError('10015', 'Postal code does not match locality', `Postal code ${postal} is not a postal code of ${named}.`, 'postal_code'));
      }
    }
    if (country === 'GB' && postal) suggested.postal_code = postal.toUpperCase();
    return { errors, suggested };
  }

  validate(body: Record<string, unknown>) {
    const fields = this.strings(body);
    this.required(fields, VALIDATE_REQUIRED);
    const { errors, suggested } = this.check(fields);
    return {
      status: 200,
      body: {
        data: {
          record_type: 'address_validation',
          result: errors.length === 0 ? 'valid' : 'invalid',
          suggested,
          ...(errors.length > 0 ? { errors: errors.map(({ code, title, detail, source }) => ({ code, title, description: detail, ...(source ? { source } : {}) })) } : {}),
        },
      },
    };
  }

  create(account: string, body: Record<string, unknown>) {
    const fields = this.strings(body);
    this.required(fields, CREATE_REQUIRED);
    for (const flag of ['address_book', 'validate_address'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw badRequest(`${flag} must be a boolean`, { pointer: `/${flag}` });
    }
    const validateAddress = body.validate_address !== false;
    const { errors } = this.check(fields);
    // The country is always checked; the rest only when validate_address is true (Telnyx's default).
    const blocking = validateAddress ? errors : errors.filter((e) => e.source?.pointer === '/country_code');
    if (blocking.length > 0) throw new ApiError(422, blocking[0]!.code, blocking[0]!.title, blocking[0]!.detail, blocking[0]!.source);
    const now = new Date().toISOString();
    const a: AddressRec = {
      id: randomUUID(),
      account,
      business_name: fields.business_name!,
      first_name: fields.first_name!,
      last_name: fields.last_name!,
      street_address: fields.street_address!,
      locality: fields.locality!,
      postal_code: fields.postal_code ?? '',
      country_code: fields.country_code!.toUpperCase(),
      address_book: body.address_book !== false,
      validate_address: validateAddress,
      created_at: now,
      updated_at: now,
      ...(fields.extended_address ? { extended_address: fields.extended_address } : {}),
      ...(fields.administrative_area ? { administrative_area: fields.administrative_area } : {}),
      ...(fields.customer_reference ? { customer_reference: fields.customer_reference } : {}),
    };
    this.addresses.set(a.id, a);
    return { status: 200, body: { data: this.render(a) } };
  }

  get(account: string, id: string) {
    const a = this.find(account, id);
    if (!a) throw notFound(`Address ${id} not found`);
    return { status: 200, body: { data: this.render(a) } };
  }

  delete(account: string, id: string, inUse: (id: string) => boolean) {
    const a = this.find(account, id);
    if (!a) throw notFound(`Address ${id} not found`);
    if (inUse(id)) throw badRequest(`Address ${id} is used by a requirement group and cannot be deleted.`);
    this.addresses.delete(id);
    return { status: 200, body: { data: this.render(a) } };
  }

  list(account: string, q: Map<string, string[]>) {
    const ref = q.get('filter[customer_reference][eq]')?.[0] ?? q.get('filter[customer_reference]')?.[0];
    const list = [...this.addresses.values()].filter((a) => a.account === account && (!ref || a.customer_reference === ref)).map((a) => this.render(a));
    return { status: 200, body: paginate(list, q) };
  }

  render(a: AddressRec) {
    const { account: _account, ...rest } = a;
    return { ...rest, record_type: 'address' };
  }
}
