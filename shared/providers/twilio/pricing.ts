/**
 * Twilio Pricing API v1, phone numbers (../shared/contracts/twilio/twilio_pricing_v1.json):
 * GET https://pricing.twilio.com/v1/PhoneNumbers/Countries/{IsoCountry} →
 * {country, iso_country, phone_number_prices: [{number_type, base_price, current_price}], price_unit, url}.
 * Same Basic auth (AccountSid:AuthToken) as the 2010 API; `current_price` is what this account pays
 * (its discounts applied), `base_price` the list price.
 */
import type { Money, NumberType } from '../types.js';
import { mapIncomingType } from './mapper.js';

export const TWILIO_PRICING_DEFAULT_BASE_URL = 'https://pricing.twilio.com';

export interface TwilioPhoneNumberCountry {
  country?: string | null;
  iso_country?: string | null;
  phone_number_prices?: { number_type?: unknown; base_price?: unknown; current_price?: unknown }[] | null;
  price_unit?: string | null;
  url?: string | null;
}

/** A price as Twilio writes it: a decimal string (the spec's "number" overridden to string), or a number. */
function amountOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) return value.trim();
  return undefined;
}

/**
 * The monthly price per number type (current_price, else base_price), in price_unit (upper-cased:
 * Twilio documents ISO 4217 codes in either case). Nothing without a currency: a price is never
 * shown in a guessed one.
 */
export function mapPhoneNumberPrices(body: unknown): Partial<Record<NumberType, Money>> {
  const b = (body && typeof body === 'object' ? body : {}) as TwilioPhoneNumberCountry;
  const currency = typeof b.price_unit === 'string' && /^[A-Za-z]{3}$/.test(b.price_unit) ? b.price_unit.toUpperCase() : undefined;
  const out: Partial<Record<NumberType, Money>> = {};
  if (!currency || !Array.isArray(b.phone_number_prices)) return out;
  for (const price of b.phone_number_prices) {
    if (!price || typeof price !== 'object') continue;
    // Twilio writes number_type as the number's own type ("local", "toll free", "mobile", …).
    const type = mapIncomingType(price.number_type);
    const amount = amountOf(price.current_price) ?? amountOf(price.base_price);
    if (type && amount !== undefined && !out[type]) out[type] = { amount, currency };
  }
  return out;
}
