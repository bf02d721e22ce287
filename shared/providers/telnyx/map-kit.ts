/**
 * Small helpers shared by the Telnyx mappers (numbers-mapper, orders-mapper, requirements-mapper,
 * errors-mapper). Defensive on purpose: every field may be missing or of the wrong type.
 */
import type { NumberType as LibNumberType } from 'libphonenumber-js/max';
import { nationalFormatOr, normalizePhone, phoneLib } from '../../domain/phone.js';

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value.trim());
  return undefined;
}

/** The body's `data` member when present (Telnyx wraps most resources), else the body itself. */
export function unwrapData(body: unknown): unknown {
  const o = obj(body);
  return 'data' in o ? o.data : body;
}

// Shared with the other mappers (shared/domain/phone.ts); exported here as before.
export { nationalFormatOr, normalizePhone };

export interface PhoneFacts {
  country?: string;
  nationalNumber?: string;
  libType?: LibNumberType;
}

export function phoneFacts(phone: string): PhoneFacts {
  try {
    const p = phoneLib().parsePhoneNumberFromString(phone);
    if (!p) return {};
    const out: PhoneFacts = { nationalNumber: String(p.nationalNumber) };
    if (p.country) out.country = p.country;
    const t = p.getType();
    if (t) out.libType = t;
    return out;
  } catch {
    return {};
  }
}
