/**
 * Deterministic number generation shared by the sandbox inventories (twilio-inventory.ts,
 * plivo-inventory.ts, vonage-inventory.ts, telnyx-inventory.ts) and the Somos sandbox: a seeded
 * PRNG, small draws from it, libphonenumber validation and NANP exchange codes.
 *
 * Changing anything here changes every sandbox's stock for a given seed.
 */
import { parsePhoneNumber, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';

export type Rng = () => number;

/** 32-bit FNV-1a hash of a string. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for test data. Returns floats in [0, 1). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in [min, maxInclusive]. */
export const int = (rng: Rng, min: number, maxInclusive: number): number => min + Math.floor(rng() * (maxInclusive - min + 1));

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** `n` random digits, zero-padded. */
export const digits = (rng: Rng, n: number): string => String(int(rng, 0, 10 ** n - 1)).padStart(n, '0');

/** The parsed number when libphonenumber-js full ("max") metadata says it is valid. */
export function parseValid(e164: string): PhoneNumber | undefined {
  try {
    const p = parsePhoneNumber(e164);
    return p.isValid() ? p : undefined;
  } catch {
    return undefined;
  }
}

/** NANP central office code that is not N11, 555 or otherwise reserved. */
export function exchangeCode(rng: Rng): string {
  for (;;) {
    const nxx = String(int(rng, 200, 999));
    if (nxx[1] === '1' && nxx[2] === '1') continue; // N11
    if (['555', '950', '958', '959', '976'].includes(nxx)) continue;
    return nxx;
  }
}

/** `count` different exchange codes, in the order drawn. */
export function distinctExchanges(rng: Rng, count: number): string[] {
  const set = new Set<string>();
  while (set.size < count) set.add(exchangeCode(rng));
  return [...set];
}

export const US_TOLL_FREE_PREFIXES = ['800', '833', '844', '855', '866', '877', '888'] as const;

/** A US toll-free national number: the 8XX prefix, an exchange (200-999) and a line. */
export const tollFreeNsn = (rng: Rng, prefix: string): string => `${prefix}${int(rng, 200, 999)}${digits(rng, 4)}`;

/** "(415) 555-0142" for a 10-digit NANP national number. */
export const nanpFriendlyName = (nsn: string): string => `(${nsn.slice(0, 3)}) ${nsn.slice(3, 6)}-${nsn.slice(6)}`;

/** A GB mobile national number (no trunk 0): 74, 75, 77, 78 or 79 and 8 digits. */
export const gbMobileNsn = (rng: Rng): string => `${pick(rng, ['74', '75', '77', '78', '79'])}${digits(rng, 8)}`;

/** A GB geographic national number: the area code, a first subscriber digit (London 3, 7 or 8; else 2-9), the rest. */
export const gbGeographicNsn = (rng: Rng, areaCode: string, subscriberDigits: number): string =>
  `${areaCode}${areaCode === '20' ? pick(rng, ['3', '7', '8']) : String(int(rng, 2, 9))}${digits(rng, subscriberDigits - 1)}`;

/** The parsed number when it is valid and of the numbering-plan type `type`. */
export function parseValidOfType(e164: string, type: NumberType): PhoneNumber | undefined {
  const parsed = parseValid(e164);
  return parsed?.getType() === type ? parsed : undefined;
}

/**
 * Up to `count` candidates with distinct keys (a candidate may be undefined: rejected), giving up
 * after count × 20 attempts.
 */
export function collectUnique<T>(count: number, keyOf: (n: T) => string, candidate: () => T | undefined): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  for (let attempts = 0; out.length < count && attempts < count * 20; attempts++) {
    const n = candidate();
    if (!n) continue;
    const key = keyOf(n);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(n);
  }
  return out;
}

/** One instance per seed, created on first use (inventories are deterministic and costly to build). */
export function perSeed<T>(create: (seed: number) => T): (seed: number) => T {
  const made = new Map<number, T>();
  return (seed) => {
    let v = made.get(seed);
    if (v === undefined) {
      v = create(seed);
      made.set(seed, v);
    }
    return v;
  };
}
