/**
 * Deterministic phone-number inventory and regulatory data for the Telnyx sandbox
 * (scripts/sandboxes/telnyx.ts).
 *
 * Numbers are generated lazily per bucket (country + number type + national destination
 * code) from a seeded PRNG, so the same seed always yields the same inventory. Every number
 * is checked with libphonenumber-js full ("max") metadata and must have the expected type.
 */
import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString, type NumberType as LibNumberType } from 'libphonenumber-js/max';
import { createRng, hashString } from './inventory-kit.js';

export { createRng, hashString };

export type TelnyxNumberType = 'local' | 'toll_free' | 'mobile' | 'national';
export const TELNYX_NUMBER_TYPES = ['local', 'toll_free', 'mobile', 'national', 'shared_cost'] as const;
export const TELNYX_FEATURES = ['sms', 'mms', 'voice', 'fax', 'emergency', 'hd_voice', 'international_sms', 'local_calling'] as const;

export interface InventoryNumber {
  phoneNumber: string; // E.164
  country: string;
  type: TelnyxNumberType;
  nationalNumber: string;
  /** National destination code this number was stocked under ('' for none). */
  ndc: string;
  locality: string | null;
  /** State / province / region (Telnyx region_type "state"). */
  administrativeArea: string | null;
  rateCenter: string | null;
  features: string[];
  currency: string;
  monthlyCost: string;
  upfrontCost: string;
  quickship: boolean;
}

interface Bucket {
  country: string;
  callingCode: string;
  type: TelnyxNumberType;
  ndc: string;
  nationalLength: number;
  locality: string | null;
  administrativeArea: string | null;
  rateCenter: string | null;
  baseFeatures: readonly string[];
  optionalFeatures: readonly string[];
  currency: string;
  monthlyCost: string;
  upfrontCost: string;
}

const PER_BUCKET = 60;

type BucketSpec = Omit<Bucket, 'country' | 'callingCode' | 'type' | 'currency'>;
const b = (
  ndc: string,
  nationalLength: number,
  locality: string | null,
  administrativeArea: string | null,
  rateCenter: string | null,
  baseFeatures: readonly string[],
  optionalFeatures: readonly string[],
  monthlyCost: string,
  upfrontCost: string,
): BucketSpec => ({ ndc, nationalLength, locality, administrativeArea, rateCenter, baseFeatures, optionalFeatures, monthlyCost, upfrontCost });

const US_LOCAL = ['voice', 'emergency'] as const;
const US_LOCAL_OPT = ['sms', 'mms', 'fax', 'hd_voice'] as const;

interface CountrySpec {
  callingCode: string;
  currency: string;
  types: Partial<Record<TelnyxNumberType, BucketSpec[]>>;
}

/** What the sandbox stocks. Anything else searches to an empty list (no coverage → 400 for unknown countries). */
export const COUNTRIES: Readonly<Record<string, CountrySpec>> = {
  US: {
    callingCode: '1',
    currency: 'USD',
    types: {
      local: [
        b('212', 10, 'New York', 'NY', 'NEW YORK CITY', US_LOCAL, US_LOCAL_OPT, '1.00', '1.00'),
        b('415', 10, 'San Francisco', 'CA', 'SN FRNCSCO', US_LOCAL, US_LOCAL_OPT, '1.00', '1.00'),
        b('512', 10, 'Austin', 'TX', 'AUSTIN', US_LOCAL, US_LOCAL_OPT, '1.00', '1.00'),
        b('312', 10, 'Chicago', 'IL', 'CHICAGO ZONE 02', US_LOCAL, US_LOCAL_OPT, '1.00', '1.00'),
        b('970', 10, 'Fort Collins', 'CO', 'FORT COLLINS', US_LOCAL, US_LOCAL_OPT, '1.00', '1.00'),
      ],
      toll_free: ['800', '833', '844', '855', '866', '877', '888'].map((ndc) => b(ndc, 10, null, null, null, ['voice'], ['sms', 'mms'], '2.00', '1.00')),
    },
  },
  FR: {
    callingCode: '33',
    currency: 'EUR',
    types: {
      local: [
        b('1', 9, 'Paris', 'Île-de-France', null, ['voice', 'emergency'], ['fax'], '1.50', '1.00'),
        b('2', 9, 'Nantes', 'Pays de la Loire', null, ['voice', 'emergency'], ['fax'], '1.50', '1.00'),
        b('3', 9, 'Lille', 'Hauts-de-France', null, ['voice', 'emergency'], ['fax'], '1.50', '1.00'),
        b('4', 9, 'Lyon', 'Auvergne-Rhône-Alpes', null, ['voice', 'emergency'], ['fax'], '1.50', '1.00'),
        b('5', 9, 'Bordeaux', 'Nouvelle-Aquitaine', null, ['voice', 'emergency'], ['fax'], '1.50', '1.00'),
      ],
      mobile: [b('6', 9, null, null, null, ['voice', 'sms'], ['mms'], '3.00', '1.00'), b('7', 9, null, null, null, ['voice', 'sms'], ['mms'], '3.00', '1.00')],
      toll_free: [b('800', 9, null, null, null, ['voice'], [], '5.00', '10.00'), b('805', 9, null, null, null, ['voice'], [], '5.00', '10.00')],
      national: [b('9', 9, null, null, null, ['voice'], ['sms'], '1.00', '1.00')],
    },
  },
  DE: {
    callingCode: '49',
    currency: 'EUR',
    types: {
      local: [
        b('30', 10, 'Berlin', 'Berlin', null, ['voice', 'emergency'], ['fax'], '1.20', '1.00'),
        b('89', 10, 'München', 'Bayern', null, ['voice', 'emergency'], ['fax'], '1.20', '1.00'),
        b('40', 10, 'Hamburg', 'Hamburg', null, ['voice', 'emergency'], ['fax'], '1.20', '1.00'),
        b('69', 10, 'Frankfurt am Main', 'Hessen', null, ['voice', 'emergency'], ['fax'], '1.20', '1.00'),
        b('221', 10, 'Köln', 'Nordrhein-Westfalen', null, ['voice', 'emergency'], ['fax'], '1.20', '1.00'),
      ],
      mobile: ['151', '170', '176'].map((ndc) => b(ndc, 11, null, null, null, ['voice', 'sms'], ['mms'], '3.00', '1.00')),
      toll_free: [b('800', 10, null, null, null, ['voice'], [], '5.00', '10.00')],
    },
  },
  GB: {
    callingCode: '44',
    currency: 'GBP',
    types: {
      local: [
        b('20', 10, 'London', 'England', null, ['voice', 'emergency'], ['sms', 'fax'], '1.00', '1.00'),
        b('161', 10, 'Manchester', 'England', null, ['voice', 'emergency'], ['sms', 'fax'], '1.00', '1.00'),
        b('121', 10, 'Birmingham', 'England', null, ['voice', 'emergency'], ['sms', 'fax'], '1.00', '1.00'),
        b('131', 10, 'Edinburgh', 'Scotland', null, ['voice', 'emergency'], ['sms', 'fax'], '1.00', '1.00'),
        b('113', 10, 'Leeds', 'England', null, ['voice', 'emergency'], ['sms', 'fax'], '1.00', '1.00'),
      ],
      mobile: ['7400', '7500', '7800', '7900'].map((ndc) => b(ndc, 10, null, null, null, ['voice', 'sms'], ['mms'], '2.50', '1.00')),
      toll_free: [b('800', 10, null, null, null, ['voice'], [], '4.00', '8.00'), b('808', 10, null, null, null, ['voice'], [], '4.00', '8.00')],
    },
  },
  ES: {
    callingCode: '34',
    currency: 'EUR',
    types: {
      local: [
        b('91', 9, 'Madrid', 'Comunidad de Madrid', null, ['voice', 'emergency'], ['fax'], '1.00', '1.00'),
        b('93', 9, 'Barcelona', 'Cataluña', null, ['voice', 'emergency'], ['fax'], '1.00', '1.00'),
        b('96', 9, 'Valencia', 'Comunidad Valenciana', null, ['voice', 'emergency'], ['fax'], '1.00', '1.00'),
        b('954', 9, 'Sevilla', 'Andalucía', null, ['voice', 'emergency'], ['fax'], '1.00', '1.00'),
      ],
      mobile: [b('6', 9, null, null, null, ['voice', 'sms'], ['mms'], '3.00', '1.00')],
      toll_free: [b('900', 9, null, null, null, ['voice'], [], '5.00', '10.00'), b('800', 9, null, null, null, ['voice'], [], '5.00', '10.00')],
    },
  },
};

const EXPECTED_LIB_TYPES: Record<TelnyxNumberType, readonly LibNumberType[]> = {
  local: ['FIXED_LINE', 'FIXED_LINE_OR_MOBILE'],
  mobile: ['MOBILE', 'FIXED_LINE_OR_MOBILE'],
  toll_free: ['TOLL_FREE'],
  national: ['VOIP', 'UAN', 'PERSONAL_NUMBER', 'SHARED_COST'],
};

// ---------------------------------------------------------------------------------------------
// Stable ids

/** A UUID-shaped id derived from a string (stable across restarts). */
export function stableUuid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------

export class TelnyxInventory {
  private readonly buckets = new Map<string, InventoryNumber[]>();
  private readonly byNumber = new Map<string, InventoryNumber>();

  constructor(private readonly seed: number) {}

  static supportsCountry(country: string): boolean {
    return country in COUNTRIES;
  }

  /** The buckets of a country + type (empty when not stocked). */
  static bucketsFor(country: string, type: TelnyxNumberType): Bucket[] {
    const spec = COUNTRIES[country];
    const list = spec?.types[type] ?? [];
    return list.map((s) => ({ ...s, country, callingCode: spec!.callingCode, type, currency: spec!.currency }));
  }

  /** The numbers of one bucket (generated on first use). */
  numbers(bucket: Bucket): InventoryNumber[] {
    const key = `${bucket.country}:${bucket.type}:${bucket.ndc}`;
    let list = this.buckets.get(key);
    if (list) return list;
    list = [];
    const rng = createRng(hashString(`${this.seed}|${key}`));
    const seen = new Set<string>();
    const expected = EXPECTED_LIB_TYPES[bucket.type];
    for (let attempt = 0; list.length < PER_BUCKET && attempt < PER_BUCKET * 40; attempt++) {
      let national = bucket.ndc;
      while (national.length < bucket.nationalLength) national += String(Math.floor(rng() * 10));
      const e164 = `+${bucket.callingCode}${national}`;
      const featureRoll = bucket.optionalFeatures.map(() => rng());
      if (seen.has(e164)) continue;
      const parsed = parsePhoneNumberFromString(e164);
      if (!parsed || !parsed.isValid() || parsed.country !== bucket.country) continue;
      const libType = parsed.getType();
      if (!libType || !expected.includes(libType)) continue;
      seen.add(e164);
      const features = [...bucket.baseFeatures, ...bucket.optionalFeatures.filter((_f, i) => (featureRoll[i] ?? 1) < 0.7)];
      const n: InventoryNumber = {
        phoneNumber: e164,
        country: bucket.country,
        type: bucket.type,
        nationalNumber: national,
        ndc: bucket.ndc,
        locality: bucket.locality,
        administrativeArea: bucket.administrativeArea,
        rateCenter: bucket.rateCenter,
        features,
        currency: bucket.currency,
        monthlyCost: bucket.monthlyCost,
        upfrontCost: bucket.upfrontCost,
        quickship: bucket.type === 'toll_free' && bucket.country === 'US',
      };
      list.push(n);
      this.byNumber.set(e164, n);
    }
    this.buckets.set(key, list);
    return list;
  }

  /** The number when the sandbox has it in stock (its bucket generated on first use), else undefined: only these are sold. */
  stocked(e164: string): InventoryNumber | undefined {
    const described = this.describe(e164);
    if (!described) return undefined;
    for (const bucket of TelnyxInventory.bucketsFor(described.country, described.type)) {
      if (described.nationalNumber.startsWith(bucket.ndc) && bucket.nationalLength === described.nationalNumber.length) this.numbers(bucket);
    }
    return this.byNumber.get(e164);
  }

  /** The stocked number, or a synthesized description of any valid number of a stocked country. */
  describe(e164: string): InventoryNumber | undefined {
    const stocked = this.byNumber.get(e164);
    if (stocked) return stocked;
    const parsed = parsePhoneNumberFromString(e164);
    if (!parsed || !parsed.isValid() || !parsed.country || !COUNTRIES[parsed.country]) return undefined;
    const libType = parsed.getType();
    const type = (Object.keys(EXPECTED_LIB_TYPES) as TelnyxNumberType[]).find((t) => libType && EXPECTED_LIB_TYPES[t].includes(libType));
    if (!type) return undefined;
    const national = String(parsed.nationalNumber);
    const bucket = TelnyxInventory.bucketsFor(parsed.country, type).find((bk) => national.startsWith(bk.ndc));
    return {
      phoneNumber: parsed.number,
      country: parsed.country,
      type,
      nationalNumber: national,
      ndc: bucket?.ndc ?? '',
      locality: bucket?.locality ?? null,
      administrativeArea: bucket?.administrativeArea ?? null,
      rateCenter: bucket?.rateCenter ?? null,
      features: bucket ? [...bucket.baseFeatures, ...bucket.optionalFeatures] : ['voice'],
      currency: COUNTRIES[parsed.country]!.currency,
      monthlyCost: bucket?.monthlyCost ?? '1.00',
      upfrontCost: bucket?.upfrontCost ?? '1.00',
      quickship: false,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Regulatory requirements

export interface RequirementTypeDef {
  id: string;
  name: string;
  type: 'document' | 'address' | 'textual';
  description: string;
  example: string;
  acceptance_criteria: Record<string, unknown>;
}

export interface RequirementDef {
  id: string;
  country: string;
  /** Telnyx's /requirements only knows local, national, toll_free. */
  type: 'local' | 'national' | 'toll_free';
  action: 'ordering' | 'porting' | 'both';
  types: RequirementTypeDef[];
  /** Numbers may be ordered with a group still under review: held (requirement-info-under-review) until it is decided. */
  orderWhileUnderReview: boolean;
}

const rt = (key: string, name: string, type: RequirementTypeDef['type'], description: string, example: string, acceptance: Record<string, unknown>): RequirementTypeDef => ({
  id: stableUuid(`requirement_type|${key}`),
  name,
  type,
  description,
  example,
  acceptance_criteria: acceptance,
});

const proofOfAddress = (cc: string) =>
  rt(`${cc}|proof_of_address`, 'Proof of Address', 'document', 'Proves the customer has a physical address in the same locality as the phone number', 'Utility bill, internet bill, phone bill, or lease', {
    time_limit: 'Issued within the last 3 months',
    locality_limit: 'Issued in the same country as the phone number',
  });
const address = (cc: string) =>
  rt(`${cc}|address`, 'Address', 'address', 'Address matching the area code (street, building number, postal code, city and country)', '8 Rue de Rivoli, 75004 Paris, France', {
    locality_limit: 'Identical locality as the numbers desired',
  });
const companyName = (cc: string) =>
  rt(`${cc}|company_name`, 'Company Name', 'textual', 'Legal name of the business that will use the number', 'Acme SAS', { min_length: 2, max_length: 100 });

const req = (country: string, type: RequirementDef['type'], action: RequirementDef['action'], types: RequirementTypeDef[], orderWhileUnderReview = false): RequirementDef => ({
  id: stableUuid(`requirement|${country}|${type}|${action}`),
  country,
  type,
  action,
  types,
  orderWhileUnderReview,
});

/**
 * The sandbox's regulatory table. US, and every mobile number, need nothing. FR local / national
 * and GB local numbers can be ordered while their group is under review (held until it is
 * decided); the others need the group approved first.
 */
export const REQUIREMENTS: readonly RequirementDef[] = [
  req('FR', 'local', 'both', [proofOfAddress('FR'), address('FR'), companyName('FR')], true),
  req('FR', 'national', 'ordering', [address('FR'), companyName('FR')], true),
  req('FR', 'toll_free', 'ordering', [proofOfAddress('FR'), companyName('FR')]),
  req('DE', 'local', 'both', [proofOfAddress('DE'), address('DE'), companyName('DE')]),
  req('DE', 'toll_free', 'ordering', [companyName('DE')]),
  req('GB', 'local', 'ordering', [address('GB')], true),
  req('ES', 'local', 'ordering', [proofOfAddress('ES'), address('ES')]),
];

/** Whether a (country, type) may be ordered while its requirement group is under review. */
export function ordersWhileUnderReview(country: string, type: string): boolean {
  return REQUIREMENTS.some((r) => r.country === country && r.type === type && r.action !== 'porting' && r.orderWhileUnderReview);
}

/** The requirement types a (country, type, action) needs. */
export function requirementTypesFor(country: string, type: string, action: string): RequirementTypeDef[] {
  const out = new Map<string, RequirementTypeDef>();
  for (const r of REQUIREMENTS) {
    if (r.country === country && r.type === type && (r.action === action || r.action === 'both')) for (const t of r.types) out.set(t.id, t);
  }
  return [...out.values()];
}
