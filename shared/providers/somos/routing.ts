/**
 * Our toll-free routing model, its validation (zod, one precise message per field), and the
 * mapping to and from a Somos Customer Record (CR) body.
 *
 * Labels (../shared/contracts/somos/README.md):
 * - C:  CR body fields num, effDtTm ("NOW" or ISO), cmd:"U", newRespOrgId?, hldIndFlag, priority,
 *       conName, conTel, notes, aos{aosNet[], aosNPA[], aosLATA[], aosState[], aosLbl[]},
 *       interLATACarrier[], intraLATACarrier[], destNums[{destNum, numTermLine}].
 * - C1: cprSectName, lbl, tmZn, dayLightSavings, priIntraLT, priInterLT (template variant).
 * - G:  everything INSIDE cprSectName (section name, nodeSeq codes, node keys and value formats),
 *       the tmZn codes, the Y/N flag values, numTermLine's value, the effDtTm ISO precision, and
 *       the default aosNet ["US"]. A public v1 generated client (alexchan1680/tfnr_ap_is) shows
 *       cprSectName[{name, nodeSeq[], nodes[{dayOfWeek[], time, pctAlloc, termNum, …}]}]; that
 *       is the only hint and it is for the older v1 API.
 *
 * SIP destinations are not a registry concept: the registry routes the toll-free number to a
 * POTS termination number (destNum). A SIP destination therefore maps to `sipGatewayNumber`
 * (the number that reaches our SBC, which then routes to the SIP URI); the URI itself stays in
 * our platform. When every destination resolves to the same termination number the CR is a
 * simple record (no CPR) and our platform applies time-of-day / percentage itself.
 *
 * Disaster routing: the registry has no automatic failover field, so `disaster` is applied by
 * building the CR in mode 'disaster' (all traffic to the disaster destination) and updating the
 * record; normal mode does not put it in the CR.
 */
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
const ZONE_BY_TMZN: Record<string, string> = {};
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
  return parsed.success ? { success: true, data: parsed.data as Routing } : { success: false, errors: routingErrors(parsed.error) };
}

// ---------------------------------------------------------------------------------------------
// Customer Record mapping

export interface SomosDestNum {
  destNum: string; // C
  numTermLine: number; // C (value G)
}
export interface SomosAos {
  aosNet?: string[];
  aosNPA?: string[];
  aosLATA?: string[];
  aosState?: string[];
  aosLbl?: string[];
}
/** G: one CPR decision-table row. */
export interface SomosCprNode {
  dayOfWeek?: string[];
  time?: string;
  pctAlloc?: string;
  termNum: string;
}
/** G: a CPR section. */
export interface SomosCprSection {
  name: string;
  nodeSeq: string[];
  nodes: SomosCprNode[];
}

/** The CR body fields we send (C unless noted). */
export interface SomosCustomerRecordBody {
  num: string;
  effDtTm: string;
  cmd: 'U';
  hldIndFlag: 'Y' | 'N'; // value G
  priority: 'Y' | 'N'; // value G
  conName?: string;
  conTel?: string;
  notes?: string;
  aos: SomosAos;
  interLATACarrier?: string[];
  intraLATACarrier?: string[];
  destNums: SomosDestNum[];
  /** C1 field names; contents G. */
  cprSectName?: SomosCprSection[];
  tmZn?: string;
  dayLightSavings?: 'Y' | 'N';
  /** C1 (update only). */
  recVersionId?: string;
}

export interface CustomerRecordOptions {
  /** Controlling RespOrg unit (5 characters); it travels in the ROID header, not in the body. */
  respOrgId: string;
  /** Default 'NOW'. A Date is rounded UP to the next quarter hour (G) and sent as ISO UTC minutes. */
  effectiveAt?: Date | 'NOW';
  /** E.164 used in mode 'disaster' when routing.disaster is absent. */
  defaultDisasterNumber?: string;
  /** 'disaster' routes everything to the disaster destination. Default 'normal'. */
  mode?: 'normal' | 'disaster';
  /** E.164 POTS number that reaches our SBC; required when a SIP destination is used. */
  sipGatewayNumber?: string;
  /** Carrier identification codes for the CR (C field names; values come from our carrier contract). */
  carriers?: { interLATA?: string[]; intraLATA?: string[] };
  contact?: { name: string; phone: string };
  notes?: string;
  /** G: destNums[].numTermLine. Default 1. */
  numTermLine?: number;
}

export class RoutingMappingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'RoutingMappingError';
  }
}

const tenDigits = (e164: string) => e164.replace(/^\+1/, '');
const e164Of = (ten: string) => `+1${ten}`;

/** Normalizes a toll-free number ("+18005550100", "1-800-555-0100", "8005550100") to 10 digits. */
export function normalizeTollFree(value: string): string {
  const digits = value.replace(/[\s().+-]/g, '');
  const ten = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  if (!TOLL_FREE_PATTERN.test(ten)) {
    throw new RoutingMappingError('num', `'${value}' is not a toll-free number (800/833/844/855/866/877/888 + 7 digits)`);
  }
  return ten;
}

/** G: effDtTm as ISO UTC to the minute, rounded up to a quarter hour. */
export function formatEffectiveAt(value: Date | 'NOW' | undefined): string {
  if (value === undefined || value === 'NOW') return 'NOW';
  const quarter = 15 * 60_000;
  const rounded = new Date(Math.ceil(value.getTime() / quarter) * quarter);
  return `${rounded.toISOString().slice(0, 16)}Z`;
}

const DAY_CODES: Record<Weekday, string> = { mon: 'MON', tue: 'TUE', wed: 'WED', thu: 'THU', fri: 'FRI', sat: 'SAT', sun: 'SUN' };
const DAY_BY_CODE: Record<string, Weekday> = Object.fromEntries(Object.entries(DAY_CODES).map(([k, v]) => [v, k as Weekday]));
/** G: CPR "everything else" value. */
export const CPR_OTHER = 'OTHER';

/** G: "HH:MM-HH:MM" 24-hour, as the time node value. */
const cprTime = (start: string, end: string) => `${start}-${end}`;

/**
 * Our routing → CR body. Throws RoutingMappingError for routing the registry cannot express
 * with the given options (e.g. a SIP destination without sipGatewayNumber).
 */
export function toCustomerRecord(num: string, routing: Routing, options: CustomerRecordOptions): SomosCustomerRecordBody {
  if (!/^[A-Z0-9]{5}$/.test(options.respOrgId)) throw new RoutingMappingError('respOrgId', 'must be a 5-character RespOrg unit id');
  const tfn = normalizeTollFree(num);
  const numTermLine = options.numTermLine ?? 1;

  const termFor = (destination: string, field: string): string => {
    const type = destinationTypeOf(destination);
    if (type === 'pstn') return tenDigits(destination);
    if (type === 'sip') {
      if (!options.sipGatewayNumber || !isNanpE164(options.sipGatewayNumber)) {
        throw new RoutingMappingError(field, 'a SIP destination needs sipGatewayNumber (E.164 of our SBC) to be expressed in the registry');
      }
      return tenDigits(options.sipGatewayNumber);
    }
    throw new RoutingMappingError(field, `'${destination}' is neither a SIP URI nor an E.164 number`);
  };

  const body: SomosCustomerRecordBody = {
    num: tfn,
    effDtTm: formatEffectiveAt(options.effectiveAt),
    cmd: 'U',
    hldIndFlag: 'N',
    priority: 'N',
    aos: aosOf(routing.areaOfService),
    destNums: [],
  };
  if (options.contact) {
    body.conName = options.contact.name;
    body.conTel = options.contact.phone.replace(/^\+1/, '');
  }
  if (options.notes) body.notes = options.notes.slice(0, 151);
  if (options.carriers?.interLATA?.length) body.interLATACarrier = [...options.carriers.interLATA];
  if (options.carriers?.intraLATA?.length) body.intraLATACarrier = [...options.carriers.intraLATA];

  if (options.mode === 'disaster') {
    const target = routing.disaster?.destination ?? options.defaultDisasterNumber;
    if (!target) throw new RoutingMappingError('disaster', 'disaster mode needs routing.disaster or defaultDisasterNumber');
    body.destNums = [{ destNum: termFor(target, routing.disaster ? 'disaster.destination' : 'defaultDisasterNumber'), numTermLine }];
    return body;
  }

  const primary = termFor(routing.primary.destination, 'primary.destination');
  const terms: string[] = [primary];
  const add = (t: string) => {
    if (!terms.includes(t)) terms.push(t);
  };

  if (routing.timeOfDay?.length) {
    const rows = routing.timeOfDay.map((rule, i) => {
      const termNum = termFor(rule.destination, `timeOfDay[${i}].destination`);
      add(termNum);
      return { dayOfWeek: rule.days.map((d) => DAY_CODES[d]), time: cprTime(rule.start, rule.end), termNum };
    });
    if (terms.length > 1) {
      const zone = REGISTRY_TIME_ZONES[routing.timeOfDay[0]!.timezone];
      if (!zone) throw new RoutingMappingError('timeOfDay[0].timezone', 'is not a zone the registry supports');
      body.cprSectName = [
        {
          name: 'MAIN',
          nodeSeq: ['DA', 'TI', 'TE'], // G: day, time, termination
          nodes: [...rows, { dayOfWeek: [CPR_OTHER], time: CPR_OTHER, termNum: primary }],
        },
      ];
      body.tmZn = zone.tmZn;
      body.dayLightSavings = zone.dst ? 'Y' : 'N';
    }
  } else if (routing.percentage?.length) {
    const rows = routing.percentage.map((rule, i) => {
      const termNum = termFor(rule.destination, `percentage[${i}].destination`);
      add(termNum);
      return { pctAlloc: String(rule.percent), termNum };
    });
    // Entries resolving to the same termination number are merged (their shares add up).
    const merged = new Map<string, number>();
    for (const r of rows) merged.set(r.termNum, (merged.get(r.termNum) ?? 0) + Number(r.pctAlloc));
    if (merged.size > 1) {
      body.cprSectName = [
        {
          name: 'MAIN',
          nodeSeq: ['PC', 'TE'], // G: percent allocation, termination
          nodes: [...merged].map(([termNum, pct]) => ({ pctAlloc: String(pct), termNum })),
        },
      ];
      // G: a CPR is assumed to need a record time zone even when no branch depends on the time
      // (the sandbox requires one); percentage routing is the same in every zone.
      body.tmZn = REGISTRY_TIME_ZONES['America/New_York']!.tmZn;
      body.dayLightSavings = 'Y';
    }
  }
  // A simple record carries one destination; a CPR lists every termination it uses.
  const used = body.cprSectName ? terms : [primary];
  body.destNums = used.map((destNum) => ({ destNum, numTermLine }));
  return body;
}

function aosOf(aos: AreaOfService | undefined): SomosAos {
  if (!aos) return { aosNet: ['US'] }; // G: whole US network when no restriction
  const out: SomosAos = {};
  if (aos.npas?.length) out.aosNPA = [...aos.npas];
  if (aos.states?.length) out.aosState = [...aos.states];
  if (aos.latas?.length) out.aosLATA = [...aos.latas];
  return out;
}

// ---------------------------------------------------------------------------------------------
// CR → what the registry knows about our routing

/** A termination number as the registry holds it: our SBC's number stands for "some SIP URI". */
export type RegistryDestination = { type: 'pstn'; destination: string } | { type: 'sip_gateway'; destination: string };

export interface RegistryRouting {
  num: string;
  effDtTm?: string;
  /** destNums[0] (toCustomerRecord puts the primary first). */
  primary?: RegistryDestination;
  destinations: RegistryDestination[];
  timeOfDay?: Array<{ days: Weekday[]; start: string; end: string; timezone?: string; destination: RegistryDestination }>;
  percentage?: Array<{ percent: number; destination: RegistryDestination }>;
  areaOfService?: AreaOfService & { networks?: string[] };
  carriers?: { interLATA?: string[]; intraLATA?: string[] };
}

const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? (v as string[]) : undefined;

/**
 * CR body (as retrieved) → RegistryRouting. Reads the C fields and the G CPR shape written by
 * toCustomerRecord; CPR sections of other shapes are ignored (destinations are still listed).
 */
export function fromCustomerRecord(record: unknown, options: { sipGatewayNumber?: string } = {}): RegistryRouting {
  const r = (record && typeof record === 'object' ? record : {}) as Record<string, unknown>;
  const gateway = options.sipGatewayNumber ? tenDigits(options.sipGatewayNumber) : undefined;
  const dest = (ten: string): RegistryDestination =>
    ten === gateway ? { type: 'sip_gateway', destination: e164Of(ten) } : { type: 'pstn', destination: e164Of(ten) };

  const destNums = Array.isArray(r.destNums) ? r.destNums : [];
  const destinations = destNums
    .map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>).destNum : undefined))
    .filter((d): d is string => typeof d === 'string' && /^\d{10}$/.test(d))
    .map(dest);

  const out: RegistryRouting = { num: typeof r.num === 'string' ? r.num : '', destinations };
  if (typeof r.effDtTm === 'string') out.effDtTm = r.effDtTm;
  if (destinations[0]) out.primary = destinations[0];

  const aos = (r.aos && typeof r.aos === 'object' ? r.aos : {}) as Record<string, unknown>;
  const area: RegistryRouting['areaOfService'] = {};
  const npas = strings(aos.aosNPA);
  const states = strings(aos.aosState);
  const latas = strings(aos.aosLATA);
  const nets = strings(aos.aosNet);
  if (npas) area.npas = npas;
  if (states) area.states = states;
  if (latas) area.latas = latas;
  if (nets) area.networks = nets;
  if (Object.keys(area).length) out.areaOfService = area;

  const inter = strings(r.interLATACarrier);
  const intra = strings(r.intraLATACarrier);
  if (inter || intra) out.carriers = { ...(inter ? { interLATA: inter } : {}), ...(intra ? { intraLATA: intra } : {}) };

  const sections = Array.isArray(r.cprSectName) ? (r.cprSectName as unknown[]) : [];
  const main = sections.find((s): s is SomosCprSection => !!s && typeof s === 'object' && Array.isArray((s as SomosCprSection).nodes));
  if (main) {
    const seq = Array.isArray(main.nodeSeq) ? main.nodeSeq.join(',') : '';
    const zone = typeof r.tmZn === 'string' ? ZONE_BY_TMZN[`${r.tmZn}${r.dayLightSavings === 'N' ? 'N' : 'Y'}`] : undefined;
    if (seq === 'DA,TI,TE') {
      out.timeOfDay = [];
      for (const node of main.nodes) {
        if (node.time === CPR_OTHER || !node.time || !Array.isArray(node.dayOfWeek)) continue;
        const [start, end] = node.time.split('-');
        const days = node.dayOfWeek.map((d) => DAY_BY_CODE[d]).filter((d): d is Weekday => d !== undefined);
        if (!start || !end || typeof node.termNum !== 'string') continue;
        out.timeOfDay.push({ days, start, end, ...(zone ? { timezone: zone } : {}), destination: dest(node.termNum) });
      }
    } else if (seq === 'PC,TE') {
      out.percentage = main.nodes
        .filter((n) => typeof n.termNum === 'string' && n.pctAlloc !== undefined)
        .map((n) => ({ percent: Number(n.pctAlloc), destination: dest(n.termNum) }));
    }
  }
  return out;
}
