/** Toll-free routing as tenants write it: the model, its rules (SIP URIs, NANP numbers, time zones, states) and its validation with field-named errors. */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Model

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type DestinationType = 'sip' | 'pstn';

export interface RoutingDestination {
  type: DestinationType;
  /** sip: `sip:user@host[:port]`; pstn: E.164 `+1NXXNXXXXXX`. */
  destination: string;
}
export interface TimeOfDayRule {
  days: Weekday[];
  /** HH:MM 24-hour, quarter hours; end may be 24:00; start < end (split overnight ranges). */
  start: string;
  end: string;
  /** IANA zone; one of REGISTRY_TIME_ZONES; the same for every entry. */
  timezone: string;
  /** SIP URI or E.164 (the type is inferred). */
  destination: string;
}
export interface PercentageRule {
  percent: number;
  destination: string;
}
export interface AreaOfService {
  npas?: string[];
  states?: string[];
  latas?: string[];
}
export interface Routing {
  primary: RoutingDestination;
  disaster?: RoutingDestination;
  timeOfDay?: TimeOfDayRule[];
  /** Sums to 100. */
  percentage?: PercentageRule[];
  areaOfService?: AreaOfService;
}

// ---------------------------------------------------------------------------------------------
// Field rules

const SIP_USER = "[A-Za-z0-9\\-_.!~*'()&=+$,;?/%]+";
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = `${HOST_LABEL}(?:\\.${HOST_LABEL})*`;
const IPV6 = '\\[[0-9A-Fa-f:.]+\\]';
export const SIP_URI_PATTERN = new RegExp(`^sips?:(${SIP_USER})@(${HOSTNAME}|${IPV6})(?::(\\d{1,5}))?$`);
/** North American E.164: +1, then NXX NXX XXXX. */
export const NANP_E164_PATTERN = /^\+1[2-9]\d{2}[2-9]\d{6}$/;
export const TOLL_FREE_NPAS = ['800', '833', '844', '855', '866', '877', '888'] as const;
export const TOLL_FREE_PATTERN = /^(800|833|844|855|866|877|888)[2-9]\d{6}$/;

export const SIP_URI_MESSAGE = 'must be a SIP URI like sip:user@host or sip:user@host:5060';
export const E164_MESSAGE = 'must be an E.164 North American number: +1 then 10 digits (e.g. +13125550100)';

export function isSipUri(value: string): boolean {
  const m = SIP_URI_PATTERN.exec(value);
  if (!m) return false;
  if (m[3] !== undefined) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return false;
  }
  return value.length <= 255;
}

export function isNanpE164(value: string): boolean {
  return NANP_E164_PATTERN.test(value);
}

/** The type a bare destination string (time-of-day / percentage entries) denotes. */
export function destinationTypeOf(value: string): DestinationType | undefined {
  if (/^sips?:/i.test(value)) return isSipUri(value) ? 'sip' : undefined;
  if (value.startsWith('+')) return isNanpE164(value) ? 'pstn' : undefined;
  return undefined;
}

/**
 * US zones the registry's single per-record time zone can express, with the G tmZn code
 * and whether daylight saving applies.
 */
export const REGISTRY_TIME_ZONES: Readonly<Record<string, { tmZn: string; dst: boolean }>> = {
  'America/New_York': { tmZn: 'E', dst: true },
  'America/Detroit': { tmZn: 'E', dst: true },
  'America/Indiana/Indianapolis': { tmZn: 'E', dst: true },
  'America/Chicago': { tmZn: 'C', dst: true },
  'America/Denver': { tmZn: 'M', dst: true },
  'America/Phoenix': { tmZn: 'M', dst: false },
  'America/Los_Angeles': { tmZn: 'P', dst: true },
  'America/Anchorage': { tmZn: 'A', dst: true },
  'Pacific/Honolulu': { tmZn: 'H', dst: false },
  'America/Puerto_Rico': { tmZn: 'T', dst: false },
};
/** G: canonical zone per tmZn code (first listed wins), for fromCustomerRecord. */
export const ZONE_BY_TMZN: Record<string, string> = {};
for (const [zone, { tmZn, dst }] of Object.entries(REGISTRY_TIME_ZONES)) ZONE_BY_TMZN[`${tmZn}${dst ? 'Y' : 'N'}`] ??= zone;

export function isValidIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

/** USPS codes of the states, DC and the NANP territories. */
export const US_STATES: ReadonlySet<string> = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD ' +
    'TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP'
  ).split(' '),
);

const TIME_FORMAT = /^(\d{2}):(\d{2})$/;

/** Minutes since midnight, or undefined when not HH:MM (24:00 allowed only with allow24). */
export function parseHhMm(value: string, allow24 = false): number | undefined {
  const m = TIME_FORMAT.exec(value);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (allow24 && h === 24 && min === 0) return 24 * 60;
  if (h > 23 || min > 59) return undefined;
  return h * 60 + min;
}

// ---------------------------------------------------------------------------------------------
// Schema

const requiredString = (what: string) =>
  z.string({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be a string`) });

const destinationSchema = z
  .object({
    type: z.enum(['sip', 'pstn'], { error: "type must be 'sip' or 'pstn'" }),
    destination: requiredString('destination'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.type === 'sip' && !isSipUri(v.destination)) ctx.addIssue({ code: 'custom', path: ['destination'], message: SIP_URI_MESSAGE });
    if (v.type === 'pstn' && !isNanpE164(v.destination)) ctx.addIssue({ code: 'custom', path: ['destination'], message: E164_MESSAGE });
  });

const bareDestination = requiredString('destination').refine((v) => destinationTypeOf(v) !== undefined, {
  message: `must be a SIP URI (sip:user@host[:port]) or an E.164 North American number (+1 then 10 digits)`,
});

const timeField = (name: 'start' | 'end') =>
  requiredString(name).superRefine((v, ctx) => {
    const minutes = parseHhMm(v, name === 'end');
    if (minutes === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be HH:MM in 24-hour time${name === 'end' ? ' (00:15 to 24:00)' : ' (00:00 to 23:45)'}` });
      return;
    }
    // G (also seen in a public RespOrg front end): CPR time nodes are quarter hours.
    if (minutes % 15 !== 0) ctx.addIssue({ code: 'custom', message: `${name} must be on a quarter hour (:00, :15, :30 or :45)` });
  });

const timeOfDaySchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, { error: `each day must be one of ${WEEKDAYS.join(', ')}` }), { error: 'days must be a list of weekdays' })
      .min(1, 'days must list at least one day')
      .refine((d) => new Set(d).size === d.length, 'days must not repeat a day'),
    start: timeField('start'),
    end: timeField('end'),
    timezone: requiredString('timezone').superRefine((v, ctx) => {
      if (!isValidIanaZone(v)) ctx.addIssue({ code: 'custom', message: 'timezone must be an IANA time zone such as America/New_York' });
      else if (!REGISTRY_TIME_ZONES[v]) {
        ctx.addIssue({ code: 'custom', message: `timezone must be a US zone the registry supports: ${Object.keys(REGISTRY_TIME_ZONES).join(', ')}` });
      }
    }),
    destination: bareDestination,
  })
  .strict()
  .superRefine((v, ctx) => {
    const s = parseHhMm(v.start);
    const e = parseHhMm(v.end, true);
    if (s !== undefined && e !== undefined && e <= s) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start (split an overnight range into two entries)' });
    }
  });

const percentageSchema = z
  .object({
    percent: z
      .number({ error: 'percent must be a number' })
      .int('percent must be a whole number')
      .min(1, 'percent must be at least 1')
      .max(100, 'percent must be at most 100'),
    destination: bareDestination,
  })
  .strict();

const uniqueList = <T extends z.ZodType<string>>(item: T, name: string) =>
  z
    .array(item, { error: `${name} must be a list` })
    .min(1, `${name} must not be empty when given`)
    .refine((l) => new Set(l).size === l.length, `${name} must not contain duplicates`);

const aosSchema = z
  .object({
    npas: uniqueList(z.string().regex(/^[2-9]\d{2}$/, 'each NPA must be a 3-digit area code (first digit 2-9)'), 'npas').optional(),
    states: uniqueList(
      z.string().refine((s) => US_STATES.has(s), 'each state must be a 2-letter US state or territory code in capitals (e.g. NY)'),
      'states',
    ).optional(),
    latas: uniqueList(z.string().regex(/^\d{3}$/, 'each LATA must be a 3-digit LATA code'), 'latas').optional(),
  })
  .strict()
  .refine((a) => a.npas !== undefined || a.states !== undefined || a.latas !== undefined, {
    message: 'areaOfService must list at least one of npas, states or latas',
  });

export const routingSchema = z
  .object(
    {
      primary: destinationSchema,
      disaster: destinationSchema.optional(),
      timeOfDay: z.array(timeOfDaySchema, { error: 'timeOfDay must be a list' }).min(1, 'timeOfDay must not be empty when given').max(20, 'timeOfDay allows at most 20 entries').optional(),
      percentage: z
        .array(percentageSchema, { error: 'percentage must be a list' })
        .min(2, 'percentage needs at least two entries (use primary for a single destination)')
        .max(10, 'percentage allows at most 10 entries')
        .optional(),
      areaOfService: aosSchema.optional(),
    },
    { error: 'routing must be an object' },
  )
  .strict()
  .superRefine((r, ctx) => {
    if (r.percentage) {
      const sum = r.percentage.reduce((acc, p) => acc + (typeof p.percent === 'number' ? p.percent : 0), 0);
      if (sum !== 100) ctx.addIssue({ code: 'custom', path: ['percentage'], message: `percentage entries must sum to 100 (they sum to ${sum})` });
    }
    if (r.percentage && r.timeOfDay) {
      ctx.addIssue({ code: 'custom', path: ['percentage'], message: 'percentage cannot be combined with timeOfDay' });
    }
    if (r.timeOfDay) {
      const zone = r.timeOfDay[0]?.timezone;
      r.timeOfDay.forEach((t, i) => {
        if (i > 0 && t.timezone !== zone) {
          ctx.addIssue({ code: 'custom', path: ['timeOfDay', i, 'timezone'], message: `every timeOfDay entry must use the same timezone (${zone})` });
        }
      });
      // Overlaps: the registry evaluates one branch per call.
      for (let j = 1; j < r.timeOfDay.length; j++) {
        const b = r.timeOfDay[j]!;
        const bs = parseHhMm(b.start);
        const be = parseHhMm(b.end, true);
        if (bs === undefined || be === undefined) continue;
        for (let i = 0; i < j; i++) {
          const a = r.timeOfDay[i]!;
          const as = parseHhMm(a.start);
          const ae = parseHhMm(a.end, true);
          if (as === undefined || ae === undefined) continue;
          const day = b.days.find((d) => a.days.includes(d));
          if (day && bs < ae && as < be) {
            ctx.addIssue({ code: 'custom', path: ['timeOfDay', j], message: `overlaps timeOfDay[${i}] on ${day}` });
            break;
          }
        }
      }
    }
  });

export interface RoutingFieldError {
  /** e.g. `timeOfDay[0].start`, `primary.destination`, `(root)`. */
  field: string;
  message: string;
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export function routingErrors(error: z.ZodError): RoutingFieldError[] {
  return error.issues.map((issue) => {
    const field = formatIssuePath(issue.path);
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
    return { field, message: keys ? `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}` : issue.message };
  });
}

/** Validates untrusted input; errors name the field (for a 400). */
export function parseRouting(input: unknown): { success: true; data: Routing } | { success: false; errors: RoutingFieldError[] } {
  const parsed = routingSchema.safeParse(input);
  return parsed.success ? { success: true, data: parsed.data } : { success: false, errors: routingErrors(parsed.error) };
}
