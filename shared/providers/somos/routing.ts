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
import { type AreaOfService, REGISTRY_TIME_ZONES, type Routing, TOLL_FREE_PATTERN, type Weekday, ZONE_BY_TMZN, destinationTypeOf, isNanpE164 } from './routing-model.js';
export * from './routing-model.js';

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
  Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? v : undefined;

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
