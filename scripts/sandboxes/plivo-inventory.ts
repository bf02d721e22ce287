/**
 * Deterministic phone-number inventory for the Plivo sandbox (scripts/sandboxes/plivo.ts).
 *
 * Numbers are generated lazily per bucket (one NANP area code, one toll-free prefix, GB mobile,
 * one GB geographic area code) from a seeded PRNG: the same seed always yields the same
 * inventory. Every number passes libphonenumber-js full ("max") metadata validation and has the
 * expected type. Fields follow Plivo's PhoneNumber object (../../shared/contracts/plivo/README.md
 * line 12; example values from plivo-python tests/resources/fixtures/phoneNumberListResponse.json).
 */
import { parsePhoneNumber, type PhoneNumber } from 'libphonenumber-js/max';

/** Our inventory kinds; Plivo shows them as type/sub_type fixed/local, tollfree/tollfree, mobile/mobile. */
export type PlivoKind = 'local' | 'tollfree' | 'mobile';

export interface PlivoInventoryNumber {
  /** Plivo form: E.164 without '+'. */
  number: string;
  e164: string;
  isoCountry: string;
  kind: PlivoKind;
  /** Digits after the country calling code (what Plivo's `pattern` is matched against). */
  nationalNumber: string;
  prefix: string;
  city: string | null;
  /** State / province code ("CA") and name ("California"), null for non-geographic numbers. */
  regionCode: string | null;
  regionName: string | null;
  rateCenter: string | null;
  lata: number | null;
  voice: boolean;
  sms: boolean;
  mms: boolean;
  setupRate: string;
  monthlyRentalRate: string;
  voiceRate: string;
  smsRate: string;
  mmsRate: string;
  /** Verification requirement (Plivo `restriction`); numbers with one are sold as pending orders. */
  restriction: 'city-address' | 'country-address' | null;
  restrictionText: string | null;
}

interface NanpArea {
  npa: string;
  country: 'US' | 'CA';
  regionCode: string;
  regionName: string;
  lata: number | null;
  cities: ReadonlyArray<{ city: string; rateCenter: string }>;
}

/** Area codes stocked for US and CA local numbers. */
export const NANP_AREAS: readonly NanpArea[] = [
  { npa: '415', country: 'US', regionCode: 'CA', regionName: 'California', lata: 722, cities: [{ city: 'SAN FRANCISCO', rateCenter: 'SNFC CNTRL' }, { city: 'SAN RAFAEL', rateCenter: 'SNRAFAEL' }] },
  { npa: '650', country: 'US', regionCode: 'CA', regionName: 'California', lata: 722, cities: [{ city: 'PALO ALTO', rateCenter: 'PALO ALTO' }] },
  { npa: '213', country: 'US', regionCode: 'CA', regionName: 'California', lata: 730, cities: [{ city: 'LOS ANGELES', rateCenter: 'LOS ANGELES' }] },
  { npa: '212', country: 'US', regionCode: 'NY', regionName: 'New York', lata: 132, cities: [{ city: 'NEW YORK', rateCenter: 'NWYRCYZN01' }] },
  { npa: '646', country: 'US', regionCode: 'NY', regionName: 'New York', lata: 132, cities: [{ city: 'NEW YORK', rateCenter: 'NWYRCYZN03' }] },
  { npa: '312', country: 'US', regionCode: 'IL', regionName: 'Illinois', lata: 358, cities: [{ city: 'CHICAGO', rateCenter: 'CHICAGO' }] },
  { npa: '512', country: 'US', regionCode: 'TX', regionName: 'Texas', lata: 558, cities: [{ city: 'AUSTIN', rateCenter: 'AUSTIN' }, { city: 'ROUND ROCK', rateCenter: 'ROUND ROCK' }] },
  { npa: '206', country: 'US', regionCode: 'WA', regionName: 'Washington', lata: 674, cities: [{ city: 'SEATTLE', rateCenter: 'SEATTLE' }] },
  { npa: '303', country: 'US', regionCode: 'CO', regionName: 'Colorado', lata: 656, cities: [{ city: 'DENVER', rateCenter: 'DENVER' }, { city: 'BOULDER', rateCenter: 'BOULDER' }] },
  { npa: '720', country: 'US', regionCode: 'CO', regionName: 'Colorado', lata: 656, cities: [{ city: 'DENVER', rateCenter: 'DENVER' }] },
  { npa: '617', country: 'US', regionCode: 'MA', regionName: 'Massachusetts', lata: 128, cities: [{ city: 'BOSTON', rateCenter: 'BOSTON' }, { city: 'CAMBRIDGE', rateCenter: 'CAMBRIDGE' }] },
  { npa: '305', country: 'US', regionCode: 'FL', regionName: 'Florida', lata: 460, cities: [{ city: 'MIAMI', rateCenter: 'MIAMI' }] },
  { npa: '404', country: 'US', regionCode: 'GA', regionName: 'Georgia', lata: 438, cities: [{ city: 'ATLANTA', rateCenter: 'ATLANTA' }] },
  { npa: '702', country: 'US', regionCode: 'NV', regionName: 'Nevada', lata: 721, cities: [{ city: 'LAS VEGAS', rateCenter: 'LAS VEGAS' }] },
  { npa: '416', country: 'CA', regionCode: 'ON', regionName: 'Ontario', lata: null, cities: [{ city: 'TORONTO', rateCenter: 'TORONTO' }] },
  { npa: '647', country: 'CA', regionCode: 'ON', regionName: 'Ontario', lata: null, cities: [{ city: 'TORONTO', rateCenter: 'TORONTO' }] },
  { npa: '604', country: 'CA', regionCode: 'BC', regionName: 'British Columbia', lata: null, cities: [{ city: 'VANCOUVER', rateCenter: 'VANCOUVER' }] },
  { npa: '514', country: 'CA', regionCode: 'QC', regionName: 'Quebec', lata: null, cities: [{ city: 'MONTREAL', rateCenter: 'MONTREAL' }] },
];

export const US_TOLL_FREE_PREFIXES = ['800', '833', '844', '855', '866', '877', '888'] as const;

interface GbArea {
  code: string; // national area code without the trunk 0
  city: string;
  regionName: string;
  subscriberDigits: number;
}

export const GB_AREAS: readonly GbArea[] = [
  { code: '20', city: 'LONDON', regionName: 'England', subscriberDigits: 8 },
  { code: '161', city: 'MANCHESTER', regionName: 'England', subscriberDigits: 7 },
  { code: '121', city: 'BIRMINGHAM', regionName: 'England', subscriberDigits: 7 },
  { code: '131', city: 'EDINBURGH', regionName: 'Scotland', subscriberDigits: 7 },
];

export const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  US: 'UNITED STATES',
  CA: 'CANADA',
  GB: 'UNITED KINGDOM',
};

/** Which (country, kind) pairs are stocked. */
export const STOCKED: Readonly<Record<string, readonly PlivoKind[]>> = {
  US: ['local', 'tollfree'],
  CA: ['local'],
  GB: ['local', 'mobile'],
};

const PER_NANP_AREA = 200;
const PER_TOLL_FREE_PREFIX = 120;
const PER_GB_AREA = 120;
const GB_MOBILE_COUNT = 300;

/** 32-bit FNV-1a hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32. Returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: () => number, min: number, maxInclusive: number): number => min + Math.floor(rng() * (maxInclusive - min + 1));
const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

function parseValid(e164: string): PhoneNumber | undefined {
  try {
    const p = parsePhoneNumber(e164);
    return p.isValid() ? p : undefined;
  } catch {
    return undefined;
  }
}

/** NANP central office code that is not N11, 555 or otherwise reserved. */
function exchangeCode(rng: () => number): string {
  for (;;) {
    const nxx = String(int(rng, 200, 999));
    if (nxx[1] === '1' && nxx[2] === '1') continue;
    if (['555', '950', '958', '959', '976'].includes(nxx)) continue;
    return nxx;
  }
}

export class PlivoInventory {
  private readonly buckets = new Map<string, PlivoInventoryNumber[]>();
  private readonly byNumber = new Map<string, PlivoInventoryNumber>();
  private readonly ordered = new Map<string, PlivoInventoryNumber[]>();

  constructor(readonly seed: number) {}

  static nanpArea(npa: string): NanpArea | undefined {
    return NANP_AREAS.find((a) => a.npa === npa);
  }

  bucketKeys(country: string, kind: PlivoKind): string[] {
    if (!STOCKED[country]?.includes(kind)) return [];
    if (kind === 'tollfree') return US_TOLL_FREE_PREFIXES.map((p) => `US:tollfree:${p}`);
    if (kind === 'mobile') return ['GB:mobile:7'];
    if (country === 'GB') return GB_AREAS.map((a) => `GB:local:${a.code}`);
    return NANP_AREAS.filter((a) => a.country === country).map((a) => `${country}:local:${a.npa}`);
  }

  bucket(key: string): readonly PlivoInventoryNumber[] {
    let numbers = this.buckets.get(key);
    if (!numbers) {
      numbers = this.generate(key);
      this.buckets.set(key, numbers);
      for (const n of numbers) this.byNumber.set(n.number, n);
    }
    return numbers;
  }

  /** All numbers of a (country, kind), buckets interleaved round-robin (a stable order for offset paging). */
  list(country: string, kind: PlivoKind): readonly PlivoInventoryNumber[] {
    const key = `${country}:${kind}`;
    let out = this.ordered.get(key);
    if (!out) {
      const buckets = this.bucketKeys(country, kind).map((k) => this.bucket(k));
      out = [];
      const longest = Math.max(0, ...buckets.map((b) => b.length));
      for (let i = 0; i < longest; i++) for (const b of buckets) if (i < b.length) out.push(b[i] as PlivoInventoryNumber);
      this.ordered.set(key, out);
    }
    return out;
  }

  /** The inventory entry for a Plivo number (digits), or undefined when never stocked. */
  lookup(number: string): PlivoInventoryNumber | undefined {
    const key = this.bucketKeyFor(number);
    if (key) this.bucket(key);
    return this.byNumber.get(number);
  }

  bucketKeyFor(number: string): string | undefined {
    if (/^1\d{10}$/.test(number)) {
      const npa = number.slice(1, 4);
      if ((US_TOLL_FREE_PREFIXES as readonly string[]).includes(npa)) return `US:tollfree:${npa}`;
      const area = PlivoInventory.nanpArea(npa);
      return area ? `${area.country}:local:${npa}` : undefined;
    }
    if (number.startsWith('447')) return 'GB:mobile:7';
    if (number.startsWith('44')) {
      const area = GB_AREAS.find((a) => number.slice(2).startsWith(a.code));
      return area ? `GB:local:${area.code}` : undefined;
    }
    return undefined;
  }

  private generate(key: string): PlivoInventoryNumber[] {
    const [country, kind, code] = key.split(':') as [string, PlivoKind, string];
    const rng = createRng(hashString(`${this.seed}|plivo|${key}`));
    if (kind === 'tollfree') return this.generateTollFree(rng, code);
    if (kind === 'mobile') return this.generateGbMobile(rng);
    if (country === 'GB') {
      const area = GB_AREAS.find((a) => a.code === code);
      return area ? this.generateGbLocal(rng, area) : [];
    }
    const area = PlivoInventory.nanpArea(code);
    return area ? this.generateNanpLocal(rng, area) : [];
  }

  private collect(count: number, candidate: () => PlivoInventoryNumber | undefined): PlivoInventoryNumber[] {
    const out: PlivoInventoryNumber[] = [];
    const seen = new Set<string>();
    for (let attempts = 0; out.length < count && attempts < count * 20; attempts++) {
      const n = candidate();
      if (!n || seen.has(n.number)) continue;
      seen.add(n.number);
      out.push(n);
    }
    return out;
  }

  private generateNanpLocal(rng: () => number, area: NanpArea): PlivoInventoryNumber[] {
    const exchanges = area.cities.map(() => {
      const set = new Set<string>();
      while (set.size < 4) set.add(exchangeCode(rng));
      return [...set];
    });
    let i = 0;
    return this.collect(PER_NANP_AREA, () => {
      const ci = i++ % area.cities.length;
      const city = area.cities[ci]!;
      const nxx = pick(rng, exchanges[ci]!);
      const line = String(int(rng, 0, 9999)).padStart(4, '0');
      const nsn = `${area.npa}${nxx}${line}`;
      const e164 = `+1${nsn}`;
      if (!parseValid(e164)) return undefined;
      const sms = rng() < 0.9;
      const mms = sms && rng() < (area.country === 'US' ? 0.8 : 0.3);
      return {
        number: `1${nsn}`,
        e164,
        isoCountry: area.country,
        kind: 'local',
        nationalNumber: nsn,
        prefix: area.npa,
        city: city.city,
        regionCode: area.regionCode,
        regionName: area.regionName,
        rateCenter: city.rateCenter,
        lata: area.lata,
        voice: true,
        sms,
        mms,
        setupRate: '0.00000',
        monthlyRentalRate: area.country === 'US' ? '0.50000' : '0.80000',
        voiceRate: '0.00850',
        smsRate: '0.00000',
        mmsRate: '0.00000',
        restriction: null,
        restrictionText: null,
      };
    });
  }

  private generateTollFree(rng: () => number, prefix: string): PlivoInventoryNumber[] {
    return this.collect(PER_TOLL_FREE_PREFIX, () => {
      const nsn = `${prefix}${String(int(rng, 200, 999))}${String(int(rng, 0, 9999)).padStart(4, '0')}`;
      const e164 = `+1${nsn}`;
      const parsed = parseValid(e164);
      if (!parsed || parsed.getType() !== 'TOLL_FREE') return undefined;
      const mms = rng() < 0.5;
      return {
        number: `1${nsn}`,
        e164,
        isoCountry: 'US',
        kind: 'tollfree',
        nationalNumber: nsn,
        prefix,
        city: null,
        regionCode: null,
        regionName: null,
        rateCenter: null,
        lata: null,
        voice: true,
        sms: true,
        mms,
        setupRate: '0.00000',
        monthlyRentalRate: '1.00000',
        voiceRate: '0.02100',
        smsRate: '0.00000',
        mmsRate: '0.00000',
        restriction: null,
        restrictionText: null,
      };
    });
  }

  private generateGbMobile(rng: () => number): PlivoInventoryNumber[] {
    const blocks = ['74', '75', '77', '78', '79'];
    return this.collect(GB_MOBILE_COUNT, () => {
      const nsn = `${pick(rng, blocks)}${String(int(rng, 0, 99_999_999)).padStart(8, '0')}`;
      if (nsn.startsWith('77009')) return undefined; // Ofcom drama range
      const e164 = `+44${nsn}`;
      const parsed = parseValid(e164);
      if (!parsed || parsed.getType() !== 'MOBILE') return undefined;
      return {
        number: `44${nsn}`,
        e164,
        isoCountry: 'GB',
        kind: 'mobile',
        nationalNumber: nsn,
        prefix: nsn.slice(0, 4),
        city: null,
        regionCode: null,
        regionName: null,
        rateCenter: null,
        lata: null,
        voice: true,
        sms: true,
        mms: false,
        setupRate: '0.00000',
        monthlyRentalRate: '4.00000',
        voiceRate: '0.01000',
        smsRate: '0.00000',
        mmsRate: '0.00000',
        restriction: 'country-address',
        restrictionText: 'This number requires a proof of address in the United Kingdom.',
      };
    });
  }

  private generateGbLocal(rng: () => number, area: GbArea): PlivoInventoryNumber[] {
    return this.collect(PER_GB_AREA, () => {
      const first = area.code === '20' ? pick(rng, ['3', '7', '8']) : String(int(rng, 2, 9));
      const rest = String(int(rng, 0, 10 ** (area.subscriberDigits - 1) - 1)).padStart(area.subscriberDigits - 1, '0');
      const nsn = `${area.code}${first}${rest}`;
      const e164 = `+44${nsn}`;
      const parsed = parseValid(e164);
      if (!parsed || parsed.getType() !== 'FIXED_LINE') return undefined;
      return {
        number: `44${nsn}`,
        e164,
        isoCountry: 'GB',
        kind: 'local',
        nationalNumber: nsn,
        prefix: area.code,
        city: area.city,
        regionCode: null,
        regionName: area.regionName,
        rateCenter: null,
        lata: null,
        voice: true,
        sms: false,
        mms: false,
        setupRate: '0.00000',
        monthlyRentalRate: '0.80000',
        voiceRate: '0.00500',
        smsRate: '0.00000',
        mmsRate: '0.00000',
        restriction: 'city-address',
        restrictionText: 'This number requires a proof of address in the city of the number.',
      };
    });
  }
}
