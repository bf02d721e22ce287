/**
 * Deterministic phone-number inventory for the Twilio sandbox (scripts/sandboxes/twilio.ts).
 *
 * Numbers are generated lazily per "bucket" (one NANP area code, one toll-free prefix, GB mobile,
 * one GB geographic area code) from a seeded PRNG, so the same seed always yields the same
 * inventory. Every number is checked with libphonenumber-js full ("max") metadata, which is
 * stricter than the default ("min") metadata, and must have the expected number type.
 */
import {
  US_TOLL_FREE_PREFIXES,
  collectUnique,
  createRng,
  distinctExchanges,
  digits,
  gbGeographicNsn,
  gbMobileNsn,
  hashString,
  int,
  nanpFriendlyName,
  parseValid,
  parseValidOfType,
  pick,
  tollFreeNsn,
  type Rng,
} from './inventory-kit.js';

export { US_TOLL_FREE_PREFIXES, createRng, hashString };

export type InventoryKind = 'Local' | 'TollFree' | 'Mobile';

export interface InventoryCapabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

export interface InventoryNumber {
  phoneNumber: string; // E.164
  /** National format for NANP ("(415) 555-0142"), E.164 elsewhere (as Twilio does). */
  friendlyName: string;
  isoCountry: string;
  kind: InventoryKind;
  /** Twilio's IncomingPhoneNumber `type` value. */
  twilioType: 'local' | 'toll-free' | 'mobile';
  /** Area code (NANP NPA, toll-free prefix, GB area code) or null (GB mobile). */
  areaCode: string | null;
  nationalNumber: string;
  locality: string | null;
  region: string | null;
  postalCode: string | null;
  rateCenter: string | null;
  lata: string | null;
  /** Twilio returns coordinates as decimal strings ("37.774900"). */
  latitude: string | null;
  longitude: string | null;
  addressRequirements: 'none' | 'any' | 'local' | 'foreign';
  beta: boolean;
  capabilities: InventoryCapabilities;
}

interface Locality {
  name: string;
  rateCenter: string;
  postalCodes: readonly string[];
  lat: number;
  lon: number;
}

interface NanpAreaCode {
  npa: string;
  country: 'US' | 'CA';
  region: string; // state / province
  lata: string | null;
  localities: readonly Locality[];
}

const loc = (name: string, rateCenter: string, postalCodes: string[], lat: number, lon: number): Locality => ({
  name,
  rateCenter,
  postalCodes,
  lat,
  lon,
});

const SF = loc('San Francisco', 'SNFC CNTRL', ['94102', '94103', '94107', '94110', '94115', '94117'], 37.7749, -122.4194);
const NYC = loc('New York', 'NWYRCYZN01', ['10001', '10003', '10011', '10016', '10019', '10036'], 40.7128, -74.006);
const DENVER = loc('Denver', 'DENVER', ['80202', '80203', '80204', '80205', '80206'], 39.7392, -104.9903);
const TORONTO = loc('Toronto', 'TORONTO', ['M5H', 'M5V', 'M4W', 'M6G'], 43.6532, -79.3832);

/** US and Canadian area codes the sandbox stocks. */
export const NANP_AREA_CODES: readonly NanpAreaCode[] = [
  { npa: '415', country: 'US', region: 'CA', lata: '722', localities: [SF, loc('San Rafael', 'SNRAFAEL', ['94901', '94903'], 37.9735, -122.5311), loc('Mill Valley', 'MILL VALLEY', ['94941'], 37.906, -122.545)] },
  { npa: '650', country: 'US', region: 'CA', lata: '722', localities: [loc('Palo Alto', 'PALO ALTO', ['94301', '94303'], 37.4419, -122.143), loc('San Mateo', 'SAN MATEO', ['94401', '94402'], 37.563, -122.3255)] },
  { npa: '213', country: 'US', region: 'CA', lata: '730', localities: [loc('Los Angeles', 'LOS ANGELES', ['90012', '90013', '90014', '90017'], 34.0522, -118.2437)] },
  { npa: '310', country: 'US', region: 'CA', lata: '730', localities: [loc('Santa Monica', 'SNTA MONICA', ['90401', '90403'], 34.0195, -118.4912), loc('Beverly Hills', 'BEVERLYHLS', ['90210', '90212'], 34.0736, -118.4004)] },
  { npa: '212', country: 'US', region: 'NY', lata: '132', localities: [NYC] },
  { npa: '646', country: 'US', region: 'NY', lata: '132', localities: [NYC] },
  { npa: '312', country: 'US', region: 'IL', lata: '358', localities: [loc('Chicago', 'CHICAGO', ['60601', '60602', '60603', '60604', '60605', '60606'], 41.8781, -87.6298)] },
  { npa: '512', country: 'US', region: 'TX', lata: '558', localities: [loc('Austin', 'AUSTIN', ['78701', '78702', '78703', '78704'], 30.2672, -97.7431), loc('Round Rock', 'ROUND ROCK', ['78664', '78681'], 30.5083, -97.6789), loc('San Marcos', 'SAN MARCOS', ['78666'], 29.8833, -97.9414)] },
  { npa: '214', country: 'US', region: 'TX', lata: '552', localities: [loc('Dallas', 'DALLAS', ['75201', '75202', '75204'], 32.7767, -96.797)] },
  { npa: '713', country: 'US', region: 'TX', lata: '560', localities: [loc('Houston', 'HOUSTON', ['77002', '77003', '77006'], 29.7604, -95.3698)] },
  { npa: '206', country: 'US', region: 'WA', lata: '674', localities: [loc('Seattle', 'SEATTLE', ['98101', '98102', '98103', '98104', '98109'], 47.6062, -122.3321)] },
  { npa: '303', country: 'US', region: 'CO', lata: '656', localities: [DENVER, loc('Boulder', 'BOULDER', ['80301', '80302'], 40.015, -105.2705)] },
  { npa: '720', country: 'US', region: 'CO', lata: '656', localities: [DENVER, loc('Aurora', 'AURORA', ['80010', '80012'], 39.7294, -104.8319)] },
  { npa: '617', country: 'US', region: 'MA', lata: '128', localities: [loc('Boston', 'BOSTON', ['02108', '02109', '02110', '02111', '02116'], 42.3601, -71.0589), loc('Cambridge', 'CAMBRIDGE', ['02138', '02139'], 42.3736, -71.1097)] },
  { npa: '305', country: 'US', region: 'FL', lata: '460', localities: [loc('Miami', 'MIAMI', ['33125', '33130', '33131'], 25.7617, -80.1918), loc('Miami Beach', 'MIAMI BEACH', ['33139'], 25.7907, -80.13), loc('Key West', 'KEY WEST', ['33040'], 24.5551, -81.78)] },
  { npa: '404', country: 'US', region: 'GA', lata: '438', localities: [loc('Atlanta', 'ATLANTA', ['30303', '30305', '30308', '30309'], 33.749, -84.388), loc('Decatur', 'DECATUR', ['30030'], 33.7748, -84.2963)] },
  { npa: '702', country: 'US', region: 'NV', lata: '721', localities: [loc('Las Vegas', 'LAS VEGAS', ['89101', '89109'], 36.1699, -115.1398)] },
  { npa: '202', country: 'US', region: 'DC', lata: '236', localities: [loc('Washington', 'WASHINGTON', ['20001', '20002', '20005'], 38.9072, -77.0369)] },
  { npa: '215', country: 'US', region: 'PA', lata: '228', localities: [loc('Philadelphia', 'PHILA', ['19102', '19103', '19107'], 39.9526, -75.1652)] },
  { npa: '808', country: 'US', region: 'HI', lata: '834', localities: [loc('Hilo', 'HILO', ['96720'], 19.72, -155.09), loc('Honolulu', 'HONOLULU', ['96813', '96815'], 21.3069, -157.8583)] },
  { npa: '604', country: 'CA', region: 'BC', lata: null, localities: [loc('Vancouver', 'VANCOUVER', ['V6B', 'V6C', 'V6E'], 49.2827, -123.1207), loc('Burnaby', 'BURNABY', ['V5H', 'V5G'], 49.2488, -122.9805)] },
  { npa: '416', country: 'CA', region: 'ON', lata: null, localities: [TORONTO] },
  { npa: '647', country: 'CA', region: 'ON', lata: null, localities: [TORONTO] },
  { npa: '514', country: 'CA', region: 'QC', lata: null, localities: [loc('Montreal', 'MONTREAL', ['H2Y', 'H3B'], 45.5017, -73.5673)] },
  { npa: '403', country: 'CA', region: 'AB', lata: null, localities: [loc('Calgary', 'CALGARY', ['T2P', 'T2R'], 51.0447, -114.0719)] },
];

interface GbArea {
  code: string; // national area code without trunk 0
  locality: string;
  subscriberDigits: number;
}

export const GB_AREAS: readonly GbArea[] = [
  { code: '20', locality: 'London', subscriberDigits: 8 },
  { code: '161', locality: 'Manchester', subscriberDigits: 7 },
  { code: '121', locality: 'Birmingham', subscriberDigits: 7 },
  { code: '131', locality: 'Edinburgh', subscriberDigits: 7 },
  { code: '113', locality: 'Leeds', subscriberDigits: 7 },
  { code: '117', locality: 'Bristol', subscriberDigits: 7 },
  { code: '141', locality: 'Glasgow', subscriberDigits: 7 },
];

/** Which (country, kind) pairs the sandbox offers; anything else is a 404 like on Twilio. */
export const SUPPORTED: Readonly<Record<string, readonly InventoryKind[]>> = {
  US: ['Local', 'TollFree'],
  CA: ['Local'],
  GB: ['Local', 'Mobile'],
};

export const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  US: 'United States',
  CA: 'Canada',
  GB: 'United Kingdom',
};

const PER_NANP_AREA_CODE = 360;
const PER_TOLL_FREE_PREFIX = 240;
const PER_GB_AREA = 240;
const GB_MOBILE_COUNT = 720;

const coord = (n: number): string => n.toFixed(6);

/** The fields of a number without a rate center or coordinates (toll-free, GB). */
const NO_RATE_CENTER = {
  region: null,
  postalCode: null,
  rateCenter: null,
  lata: null,
  latitude: null,
  longitude: null,
  addressRequirements: 'none',
  beta: false,
} as const;

// ---------------------------------------------------------------------------------------------

export class TwilioInventory {
  private readonly buckets = new Map<string, InventoryNumber[]>();
  private readonly byNumber = new Map<string, InventoryNumber>();

  constructor(readonly seed: number) {}

  static supports(country: string, kind: InventoryKind): boolean {
    return SUPPORTED[country]?.includes(kind) ?? false;
  }

  static nanpAreaCode(npa: string): NanpAreaCode | undefined {
    return NANP_AREA_CODES.find((a) => a.npa === npa);
  }

  /** Bucket keys for a (country, kind), in the order searches walk them. */
  bucketKeys(country: string, kind: InventoryKind): string[] {
    if (country === 'US' && kind === 'TollFree') return US_TOLL_FREE_PREFIXES.map((p) => `US:TollFree:${p}`);
    if ((country === 'US' || country === 'CA') && kind === 'Local') {
      return NANP_AREA_CODES.filter((a) => a.country === country).map((a) => `${country}:Local:${a.npa}`);
    }
    if (country === 'GB' && kind === 'Mobile') return ['GB:Mobile:7'];
    if (country === 'GB' && kind === 'Local') return GB_AREAS.map((a) => `GB:Local:${a.code}`);
    return [];
  }

  /** Numbers of one bucket, generating it on first use. */
  bucket(key: string): readonly InventoryNumber[] {
    let numbers = this.buckets.get(key);
    if (!numbers) {
      numbers = this.generate(key);
      this.buckets.set(key, numbers);
      for (const n of numbers) this.byNumber.set(n.phoneNumber, n);
    }
    return numbers;
  }

  /** The inventory entry for an E.164 number, or undefined when the sandbox never stocks it. */
  lookup(e164: string): InventoryNumber | undefined {
    const key = this.bucketKeyFor(e164);
    if (key) this.bucket(key);
    return this.byNumber.get(e164);
  }

  /** Which bucket an E.164 number would live in. */
  bucketKeyFor(e164: string): string | undefined {
    if (/^\+1\d{10}$/.test(e164)) {
      const npa = e164.slice(2, 5);
      if ((US_TOLL_FREE_PREFIXES as readonly string[]).includes(npa)) return `US:TollFree:${npa}`;
      const area = TwilioInventory.nanpAreaCode(npa);
      return area ? `${area.country}:Local:${npa}` : undefined;
    }
    if (e164.startsWith('+447')) return 'GB:Mobile:7';
    if (e164.startsWith('+44')) {
      const nsn = e164.slice(3);
      const area = GB_AREAS.find((a) => nsn.startsWith(a.code));
      return area ? `GB:Local:${area.code}` : undefined;
    }
    return undefined;
  }

  private generate(key: string): InventoryNumber[] {
    const [country, kind, code] = key.split(':') as [string, InventoryKind, string];
    const rng = createRng(hashString(`${this.seed}|${key}`));
    if (kind === 'TollFree') return this.generateTollFree(rng, code);
    if (country === 'GB' && kind === 'Mobile') return this.generateGbMobile(rng);
    if (country === 'GB') {
      const area = GB_AREAS.find((a) => a.code === code);
      return area ? this.generateGbLocal(rng, area) : [];
    }
    const area = TwilioInventory.nanpAreaCode(code);
    return area ? this.generateNanpLocal(rng, area) : [];
  }

  private collect(count: number, candidate: () => InventoryNumber | undefined): InventoryNumber[] {
    return collectUnique(count, (n) => n.phoneNumber, candidate);
  }

  private generateNanpLocal(rng: Rng, area: NanpAreaCode): InventoryNumber[] {
    // Each locality gets a few exchanges (NXX), like a real rate center.
    const exchanges = area.localities.map(() => distinctExchanges(rng, int(rng, 3, 5)));
    let i = 0;
    return this.collect(PER_NANP_AREA_CODE, () => {
      const li = i++ % area.localities.length;
      const locality = area.localities[li] as Locality;
      const nsn = `${area.npa}${pick(rng, exchanges[li] as string[])}${digits(rng, 4)}`;
      const e164 = `+1${nsn}`;
      // Full-metadata validity; the country and type follow from the stocked geographic NPA.
      if (!parseValid(e164)) return undefined;
      const sms = rng() < 0.95;
      const mms = sms && rng() < (area.country === 'US' ? 0.8 : 0.35);
      return {
        phoneNumber: e164,
        friendlyName: nanpFriendlyName(nsn),
        isoCountry: area.country,
        kind: 'Local',
        twilioType: 'local',
        areaCode: area.npa,
        nationalNumber: nsn,
        locality: locality.name,
        region: area.region,
        postalCode: pick(rng, locality.postalCodes),
        rateCenter: locality.rateCenter,
        lata: area.lata,
        latitude: coord(locality.lat + (rng() - 0.5) * 0.08),
        longitude: coord(locality.lon + (rng() - 0.5) * 0.08),
        addressRequirements: 'none',
        beta: false,
        capabilities: { voice: true, sms, mms, fax: rng() < 0.7 },
      };
    });
  }

  private generateTollFree(rng: Rng, prefix: string): InventoryNumber[] {
    return this.collect(PER_TOLL_FREE_PREFIX, () => {
      const nsn = tollFreeNsn(rng, prefix);
      const e164 = `+1${nsn}`;
      if (!parseValid(e164)) return undefined; // 8XX prefixes are toll-free by definition
      return {
        phoneNumber: e164,
        friendlyName: nanpFriendlyName(nsn),
        isoCountry: 'US',
        kind: 'TollFree',
        twilioType: 'toll-free',
        areaCode: prefix,
        nationalNumber: nsn,
        locality: null,
        ...NO_RATE_CENTER,
        capabilities: { voice: true, sms: true, mms: rng() < 0.7, fax: rng() < 0.6 },
      };
    });
  }

  private generateGbMobile(rng: Rng): InventoryNumber[] {
    return this.collect(GB_MOBILE_COUNT, () => {
      const nsn = gbMobileNsn(rng);
      if (nsn.startsWith('77009')) return undefined; // Ofcom drama range
      const e164 = `+44${nsn}`;
      if (!parseValidOfType(e164, 'MOBILE')) return undefined;
      return {
        phoneNumber: e164,
        friendlyName: e164,
        isoCountry: 'GB',
        kind: 'Mobile',
        twilioType: 'mobile',
        areaCode: null,
        nationalNumber: nsn,
        locality: null,
        ...NO_RATE_CENTER,
        capabilities: { voice: true, sms: true, mms: false, fax: false },
      };
    });
  }

  private generateGbLocal(rng: Rng, area: GbArea): InventoryNumber[] {
    return this.collect(PER_GB_AREA, () => {
      const nsn = gbGeographicNsn(rng, area.code, area.subscriberDigits);
      const e164 = `+44${nsn}`;
      if (!parseValidOfType(e164, 'FIXED_LINE')) return undefined;
      return {
        phoneNumber: e164,
        friendlyName: e164,
        isoCountry: 'GB',
        kind: 'Local',
        twilioType: 'local',
        areaCode: area.code,
        nationalNumber: nsn,
        locality: area.locality,
        ...NO_RATE_CENTER,
        capabilities: { voice: true, sms: false, mms: false, fax: rng() < 0.5 },
      };
    });
  }
}
