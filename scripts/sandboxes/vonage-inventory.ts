/**
 * Deterministic number inventory for the Vonage sandbox (scripts/sandboxes/vonage.ts).
 *
 * Buckets (one NANP area code, one toll-free prefix, one GB/DE/FR area, one mobile range) are
 * generated lazily from a seeded PRNG, so a seed always yields the same inventory. Every number
 * is checked with libphonenumber-js full ("max") metadata — valid, and of the numbering-plan type
 * that matches its Vonage type (FIXED_LINE / MOBILE / TOLL_FREE).
 */
import type { NumberType as LibType } from 'libphonenumber-js/max';
import {
  US_TOLL_FREE_PREFIXES,
  createRng,
  digits,
  exchangeCode,
  gbGeographicNsn,
  gbMobileNsn,
  hashString,
  int,
  parseValid,
  pick,
  tollFreeNsn,
  type Rng,
} from './inventory-kit.js';

export { US_TOLL_FREE_PREFIXES, createRng, hashString };

export type VonageType = 'landline' | 'mobile-lvn' | 'landline-toll-free';
export type VonageFeature = 'VOICE' | 'SMS' | 'MMS';
export const VONAGE_TYPES: readonly VonageType[] = ['landline', 'mobile-lvn', 'landline-toll-free'];

export interface InventoryNumber {
  /** E.164 without '+', as Vonage writes numbers. */
  msisdn: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  type: VonageType;
  /** In the order Vonage lists them: VOICE, SMS, MMS. */
  features: VonageFeature[];
  /** Monthly rental, a decimal string in EUR (the spec: "in Euros"). */
  cost: string;
}

interface BucketSpec {
  country: string;
  type: VonageType;
  code: string;
  count: number;
  /** Candidate national significant number (without country code). */
  nsn: (rng: Rng) => string;
  libTypes: readonly LibType[];
  features: (rng: Rng) => VonageFeature[];
  cost: string;
}

export const US_AREA_CODES = ['415', '212', '312', '646', '512', '206', '303', '617', '305', '404'] as const;
export const GB_AREAS = [
  { code: '20', subscriber: 8 },
  { code: '161', subscriber: 7 },
  { code: '121', subscriber: 7 },
  { code: '131', subscriber: 7 },
  { code: '113', subscriber: 7 },
  { code: '117', subscriber: 7 },
  { code: '141', subscriber: 7 },
] as const;
/** Berlin, Hamburg, Frankfurt, Munich. */
export const DE_AREAS = ['30', '40', '69', '89'] as const;
/** Paris/IdF, north-west, north-east, south-east, south-west. */
export const FR_ZONES = ['1', '2', '3', '4', '5'] as const;

const usFeatures = (rng: Rng): VonageFeature[] => {
  const sms = rng() < 0.9;
  const mms = sms && rng() < 0.6;
  return ['VOICE', ...(sms ? (['SMS'] as const) : []), ...(mms ? (['MMS'] as const) : [])];
};

function bucketSpecs(): BucketSpec[] {
  const specs: BucketSpec[] = [];
  for (const npa of US_AREA_CODES) {
    const exchanges: string[] = [];
    specs.push({
      country: 'US',
      type: 'landline',
      code: npa,
      count: 200,
      nsn: (rng) => {
        // A few exchanges per area code, like a real rate center.
        if (exchanges.length === 0) for (let i = 0; i < 5; i++) exchanges.push(exchangeCode(rng));
        return `${npa}${pick(rng, exchanges)}${digits(rng, 4)}`;
      },
      libTypes: ['FIXED_LINE_OR_MOBILE', 'FIXED_LINE'],
      features: usFeatures,
      cost: '0.90',
    });
  }
  for (const prefix of US_TOLL_FREE_PREFIXES) {
    specs.push({
      country: 'US',
      type: 'landline-toll-free',
      code: prefix,
      count: 100,
      nsn: (rng) => tollFreeNsn(rng, prefix),
      libTypes: ['TOLL_FREE'],
      features: (rng) => (rng() < 0.8 ? ['VOICE', 'SMS'] : ['VOICE']),
      cost: '1.70',
    });
  }
  for (const area of GB_AREAS) {
    specs.push({
      country: 'GB',
      type: 'landline',
      code: area.code,
      count: 120,
      nsn: (rng) => gbGeographicNsn(rng, area.code, area.subscriber),
      libTypes: ['FIXED_LINE'],
      features: () => ['VOICE'],
      cost: '1.00',
    });
  }
  specs.push({
    country: 'GB',
    type: 'mobile-lvn',
    code: '7',
    count: 400,
    nsn: gbMobileNsn,
    libTypes: ['MOBILE'],
    features: () => ['VOICE', 'SMS'],
    cost: '1.25',
  });
  for (const area of DE_AREAS) {
    specs.push({
      country: 'DE',
      type: 'landline',
      code: area,
      count: 120,
      nsn: (rng) => `${area}${int(rng, 2, 9)}${digits(rng, 7)}`,
      libTypes: ['FIXED_LINE'],
      features: () => ['VOICE'],
      cost: '1.50',
    });
  }
  specs.push({
    country: 'DE',
    type: 'mobile-lvn',
    code: '1',
    count: 300,
    nsn: (rng) => `${pick(rng, ['151', '152', '157', '160', '162', '170', '171', '172', '175', '176', '177', '178', '179'])}${digits(rng, 8)}`,
    libTypes: ['MOBILE'],
    // Many German mobile LVNs are SMS-only.
    features: (rng) => (rng() < 0.5 ? ['SMS'] : ['VOICE', 'SMS']),
    cost: '6.00',
  });
  for (const zone of FR_ZONES) {
    specs.push({
      country: 'FR',
      type: 'landline',
      code: zone,
      count: 100,
      nsn: (rng) => `${zone}${int(rng, 1, 9)}${digits(rng, 7)}`,
      libTypes: ['FIXED_LINE'],
      features: () => ['VOICE'],
      cost: '1.80',
    });
  }
  specs.push({
    country: 'FR',
    type: 'mobile-lvn',
    code: '67',
    count: 300,
    nsn: (rng) => `${pick(rng, ['6', '7'])}${digits(rng, 8)}`,
    libTypes: ['MOBILE'],
    features: () => ['VOICE', 'SMS'],
    cost: '3.50',
  });
  return specs;
}

const CALLING_CODES: Readonly<Record<string, string>> = { US: '1', GB: '44', DE: '49', FR: '33' };
export const SUPPORTED_COUNTRIES: readonly string[] = Object.keys(CALLING_CODES);

export class VonageInventory {
  private readonly specs = bucketSpecs();
  private readonly buckets = new Map<string, InventoryNumber[]>();
  private readonly byMsisdn = new Map<string, InventoryNumber>();
  private readonly ordered = new Map<string, InventoryNumber[]>();

  constructor(readonly seed: number) {}

  static keyOf(spec: Pick<BucketSpec, 'country' | 'type' | 'code'>): string {
    return `${spec.country}:${spec.type}:${spec.code}`;
  }

  private bucket(spec: BucketSpec): InventoryNumber[] {
    const key = VonageInventory.keyOf(spec);
    let numbers = this.buckets.get(key);
    if (numbers) return numbers;
    numbers = [];
    const rng = createRng(hashString(`${this.seed}|vonage|${key}`));
    const cc = CALLING_CODES[spec.country] as string;
    const seen = new Set<string>();
    for (let attempts = 0; numbers.length < spec.count && attempts < spec.count * 30; attempts++) {
      const nsn = spec.nsn(rng);
      const msisdn = `${cc}${nsn}`;
      if (seen.has(msisdn)) continue;
      if (spec.country === 'GB' && nsn.startsWith('7700900')) continue; // Ofcom drama range
      const parsed = parseValid(`+${msisdn}`);
      const libType = parsed?.getType();
      if (!parsed || parsed.country !== spec.country || !libType || !spec.libTypes.includes(libType)) continue;
      seen.add(msisdn);
      numbers.push({ msisdn, country: spec.country, type: spec.type, features: spec.features(rng), cost: spec.cost });
    }
    this.buckets.set(key, numbers);
    for (const n of numbers) this.byMsisdn.set(n.msisdn, n);
    return numbers;
  }

  /**
   * Every stocked number of a country (optionally one type), buckets interleaved round-robin so
   * an unrestricted search mixes area codes like the live API does.
   */
  numbers(country: string, type?: VonageType): readonly InventoryNumber[] {
    const key = `${country}|${type ?? '*'}`;
    let list = this.ordered.get(key);
    if (list) return list;
    const buckets = this.specs.filter((s) => s.country === country && (!type || s.type === type)).map((s) => this.bucket(s));
    list = [];
    for (let i = 0; buckets.some((b) => i < b.length); i++) for (const b of buckets) if (i < b.length) list.push(b[i] as InventoryNumber);
    this.ordered.set(key, list);
    return list;
  }

  /** The stocked number with this msisdn, if the sandbox sells it. */
  lookup(msisdn: string): InventoryNumber | undefined {
    const found = this.byMsisdn.get(msisdn);
    if (found) return found;
    for (const country of SUPPORTED_COUNTRIES) {
      if (msisdn.startsWith(CALLING_CODES[country] as string)) this.numbers(country);
    }
    return this.byMsisdn.get(msisdn);
  }
}
