import { z } from 'zod';
import { isValidNpa, NANP_COUNTRIES, NUMBER_PATTERN, patternToDigits, TOLL_FREE_NPAS } from '../../domain/phone.js';
import { numberTypes } from '../../providers/types.js';
import { Capabilities, ChannelList, Country, Limit, Money, Provider } from './base.js';

// ---------- search ----------
export const SearchAvailableQuery = z
  .object({
    provider: Provider,
    country: Country.default('US'),
    type: z.enum(numberTypes).default('local'),
    areaCode: z.string().regex(/^\d{3}$/, 'must be a 3-digit area code').optional(),
    contains: z
      .string()
      .min(2)
      .max(16)
      .regex(NUMBER_PATTERN, 'may contain digits, letters (keypad) and * (any digit)')
      .transform(patternToDigits)
      .optional()
      .meta({ description: 'Digits, * for any digit, letters map to keypad digits (FLOWERS → 3569377)' }),
    startsWith: z
      .string()
      .min(1)
      .max(15)
      .regex(/^[0-9A-Za-z]+$/, 'may contain digits and letters (keypad)')
      .transform(patternToDigits)
      .optional()
      .meta({ description: 'National number starts with these digits (letters map to keypad digits)' }),
    endsWith: z
      .string()
      .min(1)
      .max(15)
      .regex(/^[0-9A-Za-z]+$/, 'may contain digits and letters (keypad)')
      .transform(patternToDigits)
      .optional()
      .meta({ description: 'National number ends with these digits (letters map to keypad digits)' }),
    capabilities: ChannelList.optional(),
    features: ChannelList.optional().meta({ description: 'Alias of capabilities' }),
    ndc: z
      .string()
      .regex(/^\d{1,5}$/, 'must be 1-5 digits')
      .optional()
      .meta({ description: 'National destination code (area code outside NANP, e.g. 1 for Paris)' }),
    administrativeArea: z.string().trim().min(1).max(64).optional().meta({ description: 'Alias of region' }),
    region: z.string().trim().min(1).max(64).optional(),
    postalCode: z.string().trim().regex(/^[A-Za-z0-9 -]{2,12}$/, 'is not a postal code').optional(),
    locality: z.string().trim().min(1).max(64).optional(),
    nearLatLong: z
      .string()
      .regex(/^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$/, 'must be "latitude,longitude"')
      .transform((v, ctx) => {
        const [latitude, longitude] = v.split(',').map(Number) as [number, number];
        if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
          ctx.addIssue({ code: 'custom', message: 'latitude must be within ±90 and longitude within ±180' });
          return z.NEVER;
        }
        return { latitude, longitude };
      })
      .optional(),
    distance: z.coerce.number().int().min(0).max(500).optional().meta({ description: 'Miles around nearLatLong' }),
    limit: Limit(100, 20),
    accountId: z.string().regex(/^[\w-]{1,64}$/).optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    const nanp = NANP_COUNTRIES.has(q.country);
    if (q.areaCode) {
      if (!nanp) ctx.addIssue({ code: 'custom', path: ['areaCode'], message: 'area codes apply only to NANP countries (US, CA, …)' });
      else if (!isValidNpa(q.areaCode)) ctx.addIssue({ code: 'custom', path: ['areaCode'], message: `${q.areaCode} is not a valid NANP area code` });
      else if (q.type === 'toll_free' && !TOLL_FREE_NPAS.has(q.areaCode))
        ctx.addIssue({ code: 'custom', path: ['areaCode'], message: `${q.areaCode} is not a toll-free prefix (800, 833, 844, 855, 866, 877, 888)` });
      else if (q.type !== 'toll_free' && TOLL_FREE_NPAS.has(q.areaCode))
        ctx.addIssue({ code: 'custom', path: ['areaCode'], message: `${q.areaCode} is a toll-free prefix; use type=toll_free` });
    }
    if (q.distance !== undefined && !q.nearLatLong) {
      ctx.addIssue({ code: 'custom', path: ['distance'], message: 'distance needs nearLatLong' });
    }
    for (const [alias, name] of [['features', 'capabilities'], ['administrativeArea', 'region'], ['ndc', 'areaCode']] as const) {
      if (q[alias] !== undefined && q[name] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [alias], message: `use either ${alias} or ${name}, not both` });
      }
    }
    if (q.ndc && nanp) ctx.addIssue({ code: 'custom', path: ['ndc'], message: 'use areaCode for NANP countries' });
  });

export const AvailableNumber = z.object({
  phoneNumber: z.string(),
  friendlyName: z.string(),
  provider: z.string(),
  country: z.string(),
  type: z.enum(numberTypes),
  locality: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  rateCenter: z.string().optional(),
  lata: z.string().optional().meta({ description: 'LATA (local access and transport area) of a North American number, where the provider reports it (Twilio, Plivo)' }),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
  capabilities: Capabilities,
  addressRequirements: z.enum(['none', 'any', 'local', 'foreign']).optional(),
  monthlyCost: Money.optional().meta({
    description: 'Monthly price of the number at this provider: from the search itself (Plivo, Vonage, Telnyx) or, for Twilio, from its Pricing API per country and number type (left out when that could not be read)',
  }),
});

export const AvailableNumbersResponse = z.object({
  data: z.array(AvailableNumber),
  provider: z.string(),
  count: z.number().int(),
  filtersApplied: z
    .record(z.string(), z.enum(['provider', 'client']))
    .optional()
    .meta({ description: 'Per filter: applied by the provider, or by us because the provider ignored it (non-matching numbers were removed)' }),
  quarantined: z
    .number()
    .int()
    .optional()
    .meta({ description: 'Numbers the provider offered that this tenant released within RELEASE_QUARANTINE_DAYS, left out of data' }),
});
