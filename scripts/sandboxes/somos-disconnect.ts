/**
 * Disconnects and customer-record carriers in the Somos sandbox.
 *
 * Disconnect (`POST /v3/ip/cus/rec/disconnect`): the path and the body fields srcNum, srcRecVersionId,
 * tgtEffDtTm, cmd, referral (Y/N), endInterceptDt and custRecCompPart are C1 (public Somos regression
 * suites; referral and endInterceptDt also in a public v1 generated client). What is G here (the
 * sandbox's choices; the real registry's behaviour is assumed):
 * - the number keeps WORKING until tgtEffDtTm; then it is DISCONNECT while the intercept (referral)
 *   recording plays — referral Y, until endInterceptDt — and TRANSITIONAL (aging) after it, or at once
 *   with referral N;
 * - it goes back to SPARE at the later of endInterceptDt and 45 days after the disconnect, never later
 *   than 4 months (120 days) after it (47 CFR 52.103(d): disconnect + transitional ≥ 45 days, ≤ 4
 *   months); endInterceptDt beyond 120 days is refused;
 * - endInterceptDt is a date (YYYY-MM-DD, the end of that day UTC) or NOW; the error codes.
 *
 * Carriers: a customer record (create or update) without interLATACarrier and intraLATACarrier is
 * refused (400 errList, G: the code; public suites always send them, e.g. ["0555"]). A carrier is a
 * 4-digit CIC, a 3-letter ACNA, or both ("ATX0288"; the v1 client's description).
 */

export interface DisconnectOrder {
  num: string;
  effAt: number;
  referral: boolean;
  endInterceptAt?: number;
  spareAt: number;
  ctrlRespOrgId: string;
}

interface NumberLike {
  num: string;
  status: string;
  ctrlRespOrgId?: string;
  effDt?: string;
  recVersionId: string;
  resUntilDt?: string;
  lastActDt?: string;
}

export interface DisconnectHost {
  now(): number;
  nextVersion(): string;
  disconnects: Record<string, DisconnectOrder>;
  /** The number's customer record (current version), if any. */
  customerRecord(num: string): { recVersionId: string; ctrlRespOrgId: string; setVersion(id: string): void } | undefined;
  /** The number as the registry holds it now (after lapses and due versions). */
  number(num: string): NumberLike;
  setNumber(n: NumberLike): void;
  /** Drops the number's customer record (all versions). */
  dropCustomerRecord(num: string): void;
  fail(status: number, code: string, message: string): never;
}

export const DISCONNECT_ERRORS = {
  badField: '800001',
  unknownField: '800002',
  invalidTfn: '805102',
  notControlled: '805103',
  version: '805200',
  crNotFound: '810404',
  notWorking: '810007',
  alreadyDisconnecting: '810008',
  carriersMissing: '810006',
} as const;

const DAY = 86_400_000;
const MIN_AGING_DAYS = 45;
const MAX_DISCONNECT_DAYS = 120;
const TFN_RE = /^(800|833|844|855|866|877|888)[2-9]\d{6}$/;
const CARRIER_RE = /^(\d{4}|[A-Z]{3}|[A-Z]{3}-?\d{4})$/;
const ALLOWED = [
  'srcNum', 'srcRecVersionId', 'srcEffDtTm', 'tgtEffDtTm', 'cmd', 'referral', 'endInterceptDt', 'custRecCompPart', 'notes',
  'interLATACarrier', 'intraLATACarrier', 'destNums', 'priority', 'hldIndFlag', 'svcOrderNum', 'suppFormNum', 'asyncId',
];
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const minuteIso = (t: number) => `${new Date(t).toISOString().slice(0, 16)}Z`;

/** Refuses a customer record without both carrier lists (create and update). */
export function checkCarriers(body: Record<string, unknown>, fail: DisconnectHost['fail']): void {
  for (const field of ['interLATACarrier', 'intraLATACarrier'] as const) {
    const list = body[field];
    if (!Array.isArray(list) || list.length === 0) {
      fail(400, DISCONNECT_ERRORS.carriersMissing, `${field}: at least one carrier (CIC) is required on a customer record.`);
    }
    for (const c of list) if (typeof c !== 'string' || !CARRIER_RE.test(c)) fail(400, DISCONNECT_ERRORS.badField, `${field}: '${String(c)}' is not a carrier code (4-digit CIC, 3-letter ACNA, or both).`);
  }
}

/** POST /v3/ip/cus/rec/disconnect. */
export function disconnect(host: DisconnectHost, body: Record<string, unknown>, roid: string): { status: number; body: unknown } {
  const unknown = Object.keys(body).filter((k) => !ALLOWED.includes(k));
  if (unknown.length) host.fail(400, DISCONNECT_ERRORS.unknownField, `Unknown field(s): ${unknown.join(', ')}`);
  const num = body.srcNum;
  if (typeof num !== 'string' || !TFN_RE.test(num)) host.fail(400, DISCONNECT_ERRORS.invalidTfn, 'Invalid Toll-Free Number. (srcNum)');
  if (body.cmd !== 'U') host.fail(400, DISCONNECT_ERRORS.badField, "cmd: must be 'U'");
  if (body.referral !== 'Y' && body.referral !== 'N') host.fail(400, DISCONNECT_ERRORS.badField, "referral: must be 'Y' or 'N'");
  const t = host.now();
  const n = host.number(num);
  const cr = host.customerRecord(num);
  if (!cr) host.fail(404, DISCONNECT_ERRORS.crNotFound, `No customer record for ${num}.`);
  if (cr.ctrlRespOrgId !== roid) host.fail(403, DISCONNECT_ERRORS.notControlled, `Number ${num} is not controlled by RespOrg ${roid}.`);
  if (typeof body.srcRecVersionId !== 'string') host.fail(400, DISCONNECT_ERRORS.badField, 'srcRecVersionId: required');
  if (body.srcRecVersionId !== cr.recVersionId) host.fail(409, DISCONNECT_ERRORS.version, 'Record was modified by another user (recVersionId mismatch).');
  if (host.disconnects[num]) host.fail(409, DISCONNECT_ERRORS.alreadyDisconnecting, `A disconnect of ${num} is already scheduled.`);
  if (n.status !== 'WORKING' && n.status !== 'ASSIGNED') host.fail(409, DISCONNECT_ERRORS.notWorking, `Only a WORKING number can be disconnected (status ${n.status}).`);
  let effAt = t;
  if (body.tgtEffDtTm !== 'NOW') {
    effAt = typeof body.tgtEffDtTm === 'string' ? Date.parse(body.tgtEffDtTm) : NaN;
    if (Number.isNaN(effAt)) host.fail(400, DISCONNECT_ERRORS.badField, "tgtEffDtTm: must be 'NOW' or an ISO date-time");
    if (effAt < t - 60_000) host.fail(400, DISCONNECT_ERRORS.badField, 'tgtEffDtTm: must not be in the past');
  }
  const referral = body.referral === 'Y';
  let endInterceptAt: number | undefined;
  if (referral) {
    const end = typeof body.endInterceptDt === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(body.endInterceptDt) ? Date.parse(`${body.endInterceptDt}T23:59:59Z`) : NaN;
    if (Number.isNaN(end)) host.fail(400, DISCONNECT_ERRORS.badField, 'endInterceptDt: a date (YYYY-MM-DD) is required with referral Y');
    if (end <= effAt) host.fail(400, DISCONNECT_ERRORS.badField, 'endInterceptDt: must be after the disconnect');
    if (end > effAt + (MAX_DISCONNECT_DAYS + 1) * DAY) host.fail(400, DISCONNECT_ERRORS.badField, `endInterceptDt: at most ${MAX_DISCONNECT_DAYS} days (4 months) after the disconnect`);
    endInterceptAt = end;
  } else if (body.endInterceptDt !== undefined && body.endInterceptDt !== 'NOW') {
    host.fail(400, DISCONNECT_ERRORS.badField, "endInterceptDt: only 'NOW' with referral N");
  }
  const spareAt = Math.min(Math.max(effAt + MIN_AGING_DAYS * DAY, endInterceptAt ?? 0), effAt + MAX_DISCONNECT_DAYS * DAY + DAY);
  host.disconnects[num] = { num, effAt, referral, ...(endInterceptAt !== undefined ? { endInterceptAt } : {}), spareAt, ctrlRespOrgId: roid };
  const recVersionId = host.nextVersion();
  cr.setVersion(recVersionId);
  const applied = applyDisconnect(host, num);
  return {
    status: 200,
    body: {
      num,
      effDtTm: minuteIso(effAt),
      recVersionId,
      custRecStat: effAt <= t ? 'ACTIVE' : 'PENDING',
      numStatus: applied?.status ?? n.status,
      ...(endInterceptAt !== undefined ? { endInterceptDt: isoDay(endInterceptAt) } : {}),
    },
  };
}

/** Moves a disconnected number along (DISCONNECT → TRANSITIONAL → SPARE); undefined when it has no due disconnect. */
export function applyDisconnect(host: DisconnectHost, num: string): NumberLike | undefined {
  const order = host.disconnects[num];
  const t = host.now();
  if (!order || t < order.effAt) return undefined;
  if (t >= order.spareAt) {
    delete host.disconnects[num];
    host.dropCustomerRecord(num);
    const spare: NumberLike = { num, status: 'SPARE', recVersionId: host.nextVersion() };
    host.setNumber(spare);
    return spare;
  }
  const status = order.referral && order.endInterceptAt !== undefined && t < order.endInterceptAt ? 'DISCONNECT' : 'TRANSITIONAL';
  return { num, status, ctrlRespOrgId: order.ctrlRespOrgId, effDt: isoDay(order.effAt), recVersionId: `D${String(order.effAt).slice(-6)}${status[0]}` };
}
