/**
 * Deterministic phone-number inventory for the Plivo sandbox (scripts/sandboxes/plivo.ts).
 *
 * Numbers are generated lazily per bucket (one NANP area code, one toll-free prefix, GB mobile,
 * one GB geographic area code) from a seeded PRNG: the same seed always yields the same
 * inventory. Every number passes libphonenumber-js full ("max") metadata validation and has the
 * expected type. Fields follow Plivo's PhoneNumber object (../../shared/contracts/plivo/README.md
 * line 12; example values from plivo-python tests/resources/fixtures/phoneNumberListResponse.json).
 */
import {
  US_TOLL_FREE_PREFIXES,
  collectUnique,
  createRng,
  digits,
  distinctExchanges,
  gbGeographicNsn,
  gbMobileNsn,
  hashString,
  parseValid,
  parseValidOfType,
  pick,
  tollFreeNsn,
  type Rng,
} from './inventory-kit.js';

export { US_TOLL_FREE_PREFIXES, createRng, hashString };

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

/** Location fields of a number without a location (toll-free, mobile). */
const NO_LOCATION = { city: null, regionCode: null, regionName: null, rateCenter: null, lata: null } as const;

/** The entry of +<cc><nsn>: every stocked number has voice, no setup fee and free messages. */
function entry(
  cc: '1' | '44',
  nsn: string,
  fields: Omit<PlivoInventoryNumber, 'number' | 'e164' | 'nationalNumber' | 'voice' | 'setupRate' | 'smsRate' | 'mmsRate'>,
): PlivoInventoryNumber {
  return { number: `${cc}${nsn}`, e164: `+${cc}${nsn}`, nationalNumber: nsn, voice: true, setupRate: '0.00000', smsRate: '0.00000', mmsRate: '0.00000', ...fields };
}

const PER_NANP_AREA = 200;
const PER_TOLL_FREE_PREFIX = 120;
const PER_GB_AREA = 120;
const GB_MOBILE_COUNT = 300;

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
    return collectUnique(count, (n) => n.number, candidate);
  }

  private generateNanpLocal(rng: Rng, area: NanpArea): PlivoInventoryNumber[] {
    const exchanges = area.cities.map(() => distinctExchanges(rng, 4));
    let i = 0;
    return this.collect(PER_NANP_AREA, () => {
      const ci = i++ % area.cities.length;
      const city = area.cities[ci]!;
      const nsn = `${area.npa}${pick(rng, exchanges[ci]!)}${digits(rng, 4)}`;
      if (!parseValid(`+1${nsn}`)) return undefined;
      const sms = rng() < 0.9;
      const mms = sms && rng() < (area.country === 'US' ? 0.8 : 0.3);
      return entry('1', nsn, {
        isoCountry: area.country,
        kind: 'local',
        prefix: area.npa,
        city: city.city,
        regionCode: area.regionCode,
        regionName: area.regionName,
        rateCenter: city.rateCenter,
        lata: area.lata,
        sms,
        mms,
        monthlyRentalRate: area.country === 'US' ? '0.50000' : '0.80000',
        voiceRate: '0.00850',
        restriction: null,
        restrictionText: null,
      });
    });
  }

  private generateTollFree(rng: Rng, prefix: string): PlivoInventoryNumber[] {
    return this.collect(PER_TOLL_FREE_PREFIX, () => {
      const nsn = tollFreeNsn(rng, prefix);
      if (!parseValidOfType(`+1${nsn}`, 'TOLL_FREE')) return undefined;
      const mms = rng() < 0.5;
      return entry('1', nsn, {
        isoCountry: 'US',
        kind: 'tollfree',
        prefix,
        ...NO_LOCATION,
        sms: true,
        mms,
        monthlyRentalRate: '1.00000',
        voiceRate: '0.02100',
        restriction: null,
        restrictionText: null,
      });
    });
  }

  private generateGbMobile(rng: Rng): PlivoInventoryNumber[] {
    return this.collect(GB_MOBILE_COUNT, () => {
      const nsn = gbMobileNsn(rng);
      if (nsn.startsWith('77009')) return undefined; // Ofcom drama range
      if (!parseValidOfType(`+44${nsn}`, 'MOBILE')) return undefined;
      return entry('44', nsn, {
        isoCountry: 'GB',
        kind: 'mobile',
        prefix: nsn.slice(0, 4),
        ...NO_LOCATION,
        sms: true,
        mms: false,
        monthlyRentalRate: '4.00000',
        voiceRate: '0.01000',
        restriction: 'country-address',
        restrictionText: 'This number requires a proof of address in the United Kingdom.',
      });
    });
  }

  private generateGbLocal(rng: Rng, area: GbArea): PlivoInventoryNumber[] {
    return this.collect(PER_GB_AREA, () => {
      const nsn = gbGeographicNsn(rng, area.code, area.subscriberDigits);
      if (!parseValidOfType(`+44${nsn}`, 'FIXED_LINE')) return undefined;
      return entry('44', nsn, {
        isoCountry: 'GB',
        kind: 'local',
        prefix: area.code,
        city: area.city,
        regionCode: null,
        regionName: area.regionName,
        rateCenter: null,
        lata: null,
        sms: false,
        mms: false,
        monthlyRentalRate: '0.80000',
        voiceRate: '0.00500',
        restriction: 'city-address',
        restrictionText: 'This number requires a proof of address in the city of the number.',
      });
    });
  }
}
