import { z } from 'zod';
import { numberPurposes } from '../../domain/number.js';
import { toE164 } from '../../domain/phone.js';
import { numberProviders } from '../../providers/registry.js';
import { outboundUrlProblem, STRICT_OUTBOUND_POLICY } from '../../http/outbound-url.js';

// ---------- building blocks ----------
export const E164 = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    const e164 = toE164(value);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid phone number in E.164 format, e.g. +14155550123' });
      return z.NEVER;
    }
    return e164;
  })
  .meta({ description: 'Phone number in E.164 format', example: '+14155550123' });

/**
 * A URL the platform (or a provider on the tenant's behalf) will call: https to a public host
 * (shared/http/outbound-url.ts; names are checked again against what they resolve to when called).
 */
export const HttpsUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL')
  .superRefine((u, ctx) => {
    if (!u.startsWith('https://') || !URL.canParse(u)) return; // said above
    const problem = outboundUrlProblem(u, STRICT_OUTBOUND_POLICY);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message });
  })
  .meta({
    format: 'uri',
    example: 'https://example.com/hooks/sms',
    description: 'https URL of a public host: no credentials, IP literals of private/loopback/link-local/reserved ranges, single-label, .internal or .local names',
  });

export const Tag = z.string().regex(/^[\w:.-]{1,40}$/, 'tags are 1-40 characters: letters, digits, _ : . -');
/**
 * Control characters (C0, C1: NUL, newlines, escapes) and bidirectional overrides and isolates (U+202A–E,
 * U+2066–9): in a name shown in lists, a console and provider portals they break the layout or make one
 * name read as another. Emoji, accents and every script are names' business.
 */
const NOT_IN_NAMES = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
const NAME_MESSAGE = 'must not contain control characters or bidirectional overrides';
/** A name or label people read: 1-`max` characters, trimmed, without control characters or bidi overrides. */
export const Name = (max: number, tooLong?: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max, tooLong)
    .refine((s) => !NOT_IN_NAMES.test(s), NAME_MESSAGE);
export const DisplayName = Name(64);
/** Vapi's own limit on a phone number's (and a credential's) name: longer names are refused, never cut. */
export const VAPI_NAME_MAX = 40;
export const VapiDisplayName = Name(VAPI_NAME_MAX, `Vapi numbers' names are at most ${VAPI_NAME_MAX} characters (Vapi's limit)`).meta({ description: `1-${VAPI_NAME_MAX} characters: Vapi's name limit (a longer name is refused, 400, never cut)` });
export const VapiCredentialLabel = Name(VAPI_NAME_MAX, `credential labels are at most ${VAPI_NAME_MAX} characters (Vapi's name limit)`).meta({ description: `1-${VAPI_NAME_MAX} characters (Vapi's name limit; refused, never cut, beyond it)` });
export const VapiCredentialIdValue = z
  .string()
  .regex(/^vcr_[a-f0-9]{16}$/, 'is not a Vapi credential id (vcr_…)')
  .meta({ description: 'One of the tenant’s Vapi credentials (POST /v1/vapi/credentials, or made by an earlier import), instead of the credentials themselves' });
export const Country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code, e.g. US')
  .transform((c) => c.toUpperCase());
/** A client company of the tenant (a staffing platform runs many): groups, addresses and purchases are kept per company. */
export const CompanyIdValue = z
  .string()
  .regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits or _ . : -')
  .meta({ description: 'Your client company’s id (a staffing platform runs many companies under one tenant)', example: 'company_123' });
export const Limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
export const Provider = z.enum(numberProviders);
export const ChannelList = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const parts = value.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean);
    const bad = parts.filter((p) => !['sms', 'mms', 'voice', 'fax'].includes(p));
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `unknown capabilities: ${bad.join(', ')} (use sms, mms, voice, fax)` });
      return z.NEVER;
    }
    return [...new Set(parts)] as ('sms' | 'mms' | 'voice' | 'fax')[];
  })
  .meta({ description: 'Comma-separated: sms, mms, voice, fax', example: 'sms,voice' });

export const Purpose = z.enum(numberPurposes);
export const ResourceId = (prefix: string, what: string) => z.string().regex(new RegExp(`^${prefix}_[a-f0-9]{16}$`), `is not a ${what} id (${prefix}_…)`);
export const LocationIdValue = ResourceId('loc', 'location');
export const AgentIdValue = ResourceId('agt', 'agent');
export const AccountIdValue = z.union([z.literal('platform'), ResourceId('acc', 'provider account')]);
export const Assignee = z.object({ id: z.string().trim().min(1).max(128), name: Name(128) }).strict();
export const ApplicationId = z
  .string()
  .regex(/^[\w-]{1,64}$/, 'must be the provider application id')
  .meta({ description: 'Provider application the number routes through (Plivo app_id, Vonage app_id)' });
export const ForceFlag = z.object({ force: z.enum(['true', 'false']).transform((v) => v === 'true').default(false) }).strict();

export const Capabilities = z.object({ voice: z.boolean(), sms: z.boolean(), mms: z.boolean(), fax: z.boolean() });
export const Money = z.object({ amount: z.string(), currency: z.string() });
const NUMBER_ID = /^num_[a-f0-9]{20}$/;
/**
 * A number in a path: its id (num_…) or the number itself in E.164 (`+14155550123`, `%2B14155550123`
 * URL-encoded), which names the number the tenant holds now.
 */
export const NumberId = z
  .object({
    id: z
      .string()
      .max(32)
      .transform((value, ctx) => {
        if (NUMBER_ID.test(value)) return value;
        const e164 = /^\+[1-9]\d{5,14}$/.test(value) ? toE164(value) : undefined;
        if (e164) return e164;
        ctx.addIssue({ code: 'custom', message: 'is not a number id (num_…) or a phone number in E.164 (+14155550123)' });
        return z.NEVER;
      })
      .meta({ description: 'The number’s id (num_…), or the phone number in E.164 (+14155550123, URL-encoded %2B14155550123): the number the tenant holds now', example: 'num_0123456789abcdef0123' }),
  })
  .strict();
/** A number id of the API (num_…), as opposed to an E.164 given in its place. */
export const isNumberId = (value: string) => NUMBER_ID.test(value);
