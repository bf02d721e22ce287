/**
 * Somos TFN Registry client (number administration, customer records, RespOrg).
 *
 * Every call sends `Authorization: Bearer <token>`, `ROID: <5-char RespOrg unit>` (per call, from
 * the tenant) and `Accept-Version` (default 3.11) — C. A 401 triggers ONE forced token refresh and
 * ONE retry, never a loop. A 202 (C: sync timeout) is not an error: the call returns
 * `{pending: true, reqId, path}` and `retrieve()` fetches the result later with
 * `GET <same path>?reqId=…` (C).
 *
 * Shapes (labels from ../shared/contracts/somos/README.md):
 * - C:  PUT /v3/ip/num/tfn/{random|wildcard|specific}; bodies {qty, npa?, nxx?, line?, cons},
 *       {qty, wildCardNum}, {numList}; response {numList}.
 *       G: path `wildcard` (the older service used `wildcards`).
 * - C:  POST /v3/ip/num/tfn/srchres/{random|wildcard|specific} with conName, conTel, shrtNotes?.
 *       G: nxx/line/cons on srchres/random (only qty, npa, conName, conTel, shrtNotes are seen).
 * - C:  GET /v3/ip/num/tfn/query/tfn/{num}. C1: status, effDt, resUntilDt, recVersionId;
 *       C1: either flat or wrapped in queryResult[] (one public test suite handles both);
 *       C1: ctrlRespOrgId, conName, conPhone, lastActDt.
 * - C:  PUT /v3/ip/num/tfn/update {tfNumList:[{num, recVersionId}], status:"SPARE"}; response
 *       includes recVersionId (G: where).
 * - C:  POST /v3/ip/cus/rec, GET /v3/ip/cus/rec/tfnum/{num}. C1: PUT /v3/ip/cus/rec with
 *       recVersionId (custRecStat and reqSntFrom are C1 names with unknown values: not sent).
 *       G: the create/update response fields; C1 retrieve fields recVersionId, ctrlRespOrgId,
 *       numStatus, lstEffDtTms[{effDtTm, custRecStat}].
 * - C:  GET /v3/ip/org/resporg/ent/{entityId} → associatedRespOrgs[{respOrgId, status}].
 * - C:  path /v3/ip/num/rch (RespOrg change). G: method, body and response (see respOrgChangeCall).
 * - G:  the 202 body field carrying the request id (reqId; requestId also read) and blkId.
 */
import type { Logger } from '../../log.js';
import { createProviderHttp, type ProviderHttp, type ProviderHttpOptions, type ProviderRequest } from '../http.js';
import { ProviderError } from '../types.js';
import { isNumberTakenMessage, mapSomosError, NUMBER_NOT_AVAILABLE_CODES, parseErrList, unexpectedResponse, type SomosErrItem } from './errors.js';
import {
  fromCustomerRecord,
  normalizeTollFree,
  RoutingMappingError,
  toCustomerRecord,
  TOLL_FREE_NPAS,
  type CustomerRecordOptions,
  type RegistryRouting,
  type Routing,
  type SomosCustomerRecordBody,
} from './routing.js';
import { DEFAULT_ACCEPT_VERSION, SOMOS_HOSTS, type SomosTokenSource } from './token-manager.js';

export const SOMOS_DEFAULT_BASE_URL = SOMOS_HOSTS.production;
export const SOMOS_API_PREFIX = '/v3/ip'; // C

/** Registry paths used by this client (below the base URL). */
export const SOMOS_PATHS = {
  search: { random: '/v3/ip/num/tfn/random', wildcard: '/v3/ip/num/tfn/wildcard', specific: '/v3/ip/num/tfn/specific' },
  searchAndReserve: {
    random: '/v3/ip/num/tfn/srchres/random',
    wildcard: '/v3/ip/num/tfn/srchres/wildcard',
    specific: '/v3/ip/num/tfn/srchres/specific',
  },
  query: (num: string) => `/v3/ip/num/tfn/query/tfn/${num}`,
  update: '/v3/ip/num/tfn/update',
  customerRecord: '/v3/ip/cus/rec',
  customerRecordByNum: (num: string) => `/v3/ip/cus/rec/tfnum/${num}`,
  respOrgEntity: (entityId: string) => `/v3/ip/org/resporg/ent/${entityId}`,
  respOrgChange: '/v3/ip/num/rch',
  /** G */
  respOrgChangeById: (id: string) => `/v3/ip/num/rch/${encodeURIComponent(id)}`,
} as const;

// ---------------------------------------------------------------------------------------------
// Types

export interface SomosCallContext {
  /** The tenant's RespOrg unit (5 characters), sent as the ROID header. */
  roid: string;
  signal?: AbortSignal;
}

export type SomosOperation =
  | 'search'
  | 'searchAndReserve'
  | 'query'
  | 'release'
  | 'createCustomerRecord'
  | 'retrieveCustomerRecord'
  | 'updateCustomerRecord'
  | 'respOrgEntity'
  | 'respOrgChange'
  | 'respOrgChangeStatus';

/** A 202: the registry is still working; fetch the result with retrieve(). */
export interface SomosPending {
  pending: true;
  reqId: string;
  /** The path that answered 202 (retrieve GETs it with ?reqId=). */
  path: string;
  operation?: SomosOperation;
  /** C1: bulk requests also carry a blkId. */
  blkId?: string;
}
export type SomosResult<T> = { pending: false; data: T } | SomosPending;

export type SomosSearchRequest =
  | { kind: 'random'; qty: number; npa?: string; nxx?: string; line?: string; consecutive?: boolean }
  /** pattern: 10 characters, digits and '*' (e.g. 8**9**0023); '&' and letters are passed through. */
  | { kind: 'wildcard'; qty: number; pattern: string }
  | { kind: 'specific'; numbers: string[] };

export type SomosReserveRequest = SomosSearchRequest & {
  /** C: conName / conTel. */
  contactName: string;
  contactPhone: string;
  /** C: shrtNotes. */
  notes?: string;
};

export type SomosNumberStatus = 'SPARE' | 'RESERVED' | 'WORKING' | 'DISCONNECT' | 'TRANSITIONAL' | 'ASSIGNED' | 'UNAVAILABLE' | (string & {});

export interface SomosNumberInfo {
  /** 10 digits. */
  num: string;
  status: SomosNumberStatus;
  /** Controlling RespOrg unit (ctrlRespOrgId). */
  respOrgId?: string;
  effDt?: string;
  resUntilDt?: string;
  recVersionId?: string;
  lastActDt?: string;
  contactName?: string;
  contactPhone?: string;
}

export interface SomosReleaseResult {
  num: string;
  recVersionId?: string;
}

export interface SomosCustomerRecordWrite {
  num: string;
  effDtTm?: string;
  recVersionId?: string;
  status?: string;
}

export interface SomosCustomerRecordInfo {
  num: string;
  recVersionId?: string;
  respOrgId?: string;
  numStatus?: string;
  effDtTm?: string;
  /** custRecStat of the first lstEffDtTms entry (C1), e.g. ACTIVE / PENDING / SAVED. */
  status?: string;
  routing: RegistryRouting;
  /** The record as the registry returned it. */
  record: Record<string, unknown>;
}

export interface SomosRespOrgUnit {
  respOrgId: string;
  status: string;
}
export interface SomosRespOrgEntity {
  entityId: string;
  units: SomosRespOrgUnit[];
}

/** G: RespOrg change states (multi-day process). */
export type SomosRespOrgChangeStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'COMPLETED' | 'CANCELLED' | (string & {});
export interface SomosRespOrgChange {
  id: string;
  num: string;
  status: SomosRespOrgChangeStatus;
  oldRespOrgId?: string;
  newRespOrgId?: string;
}

export interface CustomerRecordInput extends Omit<CustomerRecordOptions, 'respOrgId'> {
  num: string;
  routing: Routing;
}

export interface SomosRegistryClient {
  /** Search without reserving (C: PUT). 10-digit numbers. */
  search(ctx: SomosCallContext, request: SomosSearchRequest): Promise<SomosResult<string[]>>;
  /** Search and reserve (C: POST srchres). The numbers actually reserved. */
  searchAndReserve(ctx: SomosCallContext, request: SomosReserveRequest): Promise<SomosResult<string[]>>;
  query(ctx: SomosCallContext, num: string): Promise<SomosResult<SomosNumberInfo>>;
  /** Reservation → SPARE. Without recVersionId the number is queried first. */
  releaseReservation(ctx: SomosCallContext, num: string, recVersionId?: string): Promise<SomosResult<SomosReleaseResult>>;
  createCustomerRecord(ctx: SomosCallContext, input: CustomerRecordInput): Promise<SomosResult<SomosCustomerRecordWrite>>;
  retrieveCustomerRecord(ctx: SomosCallContext, num: string, options?: { sipGatewayNumber?: string }): Promise<SomosResult<SomosCustomerRecordInfo>>;
  updateCustomerRecord(ctx: SomosCallContext, input: CustomerRecordInput & { recVersionId: string }): Promise<SomosResult<SomosCustomerRecordWrite>>;
  /** All units of the entity with their status (filter with activeUnits()). */
  getRespOrgEntity(ctx: SomosCallContext, entityId: string): Promise<SomosResult<SomosRespOrgEntity>>;
  /** G (method/body/response): ask to move numbers to newRespOrgId (default: ctx.roid). */
  requestRespOrgChange(ctx: SomosCallContext, request: { numbers: string[]; newRespOrgId?: string }): Promise<SomosResult<SomosRespOrgChange[]>>;
  /** G: state of one RespOrg change request. */
  getRespOrgChange(ctx: SomosCallContext, id: string): Promise<SomosResult<SomosRespOrgChange>>;
  /** GET <path>?reqId=… after a 202. With `operation` the answer is parsed like the original call. */
  retrieve<T = unknown>(ctx: SomosCallContext, pending: Pick<SomosPending, 'path' | 'reqId'> & { operation?: SomosOperation }): Promise<SomosResult<T>>;
}

export interface SomosClientOptions {
  tokens: SomosTokenSource;
  /** Default https://api-tfnregistry.somos.com (C); a path prefix is kept. */
  baseUrl?: string;
  /** Default '3.11' (C: 3.2, 3.8, 3.11 seen). */
  acceptVersion?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** HTTP client overrides (tests: dispatcher, maxRetries, sleep). */
  http?: Partial<ProviderHttpOptions>;
}

// ---------------------------------------------------------------------------------------------
// Helpers (pure, exported for tests)

export const ROID_PATTERN = /^[A-Z0-9]{5}$/;
export const ENTITY_ID_PATTERN = /^[A-Z0-9]{2}$/;

function invalid(message: string): ProviderError {
  return new ProviderError('somos', message, { retryable: false, kind: 'invalid_request' });
}

function tfn(value: string, field = 'num'): string {
  try {
    return normalizeTollFree(value);
  } catch (err) {
    throw invalid(err instanceof RoutingMappingError ? `${field}: ${err.message.replace(/^num: /, '')}` : `${field} is invalid`);
  }
}

/** Only active units (C: associatedRespOrgs[].status; G: the word "ACTIVE"). */
export function activeUnits(entity: SomosRespOrgEntity): SomosRespOrgUnit[] {
  return entity.units.filter((u) => u.status.toUpperCase() === 'ACTIVE');
}

/** Search/srchres request → registry body (C keys; G where noted). */
export function searchBody(request: SomosSearchRequest): Record<string, unknown> {
  switch (request.kind) {
    case 'random': {
      if (!Number.isInteger(request.qty) || request.qty < 1) throw invalid('qty must be a positive whole number');
      if (request.npa !== undefined && !(TOLL_FREE_NPAS as readonly string[]).includes(request.npa)) {
        throw invalid(`npa must be a toll-free NPA (${TOLL_FREE_NPAS.join(', ')})`);
      }
      if (request.nxx !== undefined && !/^[2-9]\d{2}$/.test(request.nxx)) throw invalid('nxx must be 3 digits (first 2-9)');
      if (request.line !== undefined && !/^\d{4}$/.test(request.line)) throw invalid('line must be 4 digits');
      return {
        qty: request.qty,
        ...(request.npa !== undefined ? { npa: request.npa } : {}),
        ...(request.nxx !== undefined ? { nxx: request.nxx } : {}),
        ...(request.line !== undefined ? { line: request.line } : {}),
        cons: request.consecutive ? 'Y' : 'N',
      };
    }
    case 'wildcard': {
      if (!Number.isInteger(request.qty) || request.qty < 1) throw invalid('qty must be a positive whole number');
      const pattern = request.pattern.replace(/-/g, '').toUpperCase();
      if (!/^[0-9*&A-Z]{10}$/.test(pattern)) throw invalid("pattern must be 10 characters: digits, '*', '&' or letters (e.g. 8**9**0023)");
      return { qty: request.qty, wildCardNum: pattern };
    }
    case 'specific': {
      if (!Array.isArray(request.numbers) || request.numbers.length === 0) throw invalid('numbers must list at least one number');
      return { numList: request.numbers.map((n, i) => tfn(n, `numbers[${i}]`)) };
    }
  }
}

/** Search/srchres response → 10-digit numbers (C: {numList:[...]}; G: entries may be objects with num). */
export function parseNumList(body: unknown): string[] {
  const list = body && typeof body === 'object' ? (body as { numList?: unknown }).numList : undefined;
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    const raw = typeof item === 'string' ? item : item && typeof item === 'object' ? (item as { num?: unknown }).num : undefined;
    if (typeof raw !== 'string') continue;
    const digits = raw.replace(/\D/g, '');
    const ten = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
    if (/^\d{10}$/.test(ten)) out.push(ten);
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** C1: flat or queryResult[] → SomosNumberInfo. */
export function parseNumberQuery(body: unknown, requested: string): SomosNumberInfo {
  let b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (Array.isArray(b.queryResult)) {
    const match =
      (b.queryResult as Array<Record<string, unknown>>).find((r) => r && str(r.num)?.replace(/\D/g, '') === requested) ??
      (b.queryResult[0] as Record<string, unknown> | undefined);
    b = match ?? {};
  }
  const status = str(b.status) ?? str(b.stat);
  if (!status) {
    const errs = parseErrList(body);
    throw unexpectedResponse('number query', errs.length ? errs.map((e) => `${e.errCode} ${e.errMsg}`).join('; ') : 'no status');
  }
  const info: SomosNumberInfo = { num: str(b.num)?.replace(/\D/g, '') || requested, status: status.toUpperCase() };
  const respOrg = str(b.ctrlRespOrgId) ?? str(b.ctlRespOrg) ?? str(b.respOrgId);
  if (respOrg) info.respOrgId = respOrg;
  const copy = (from: string, to: keyof SomosNumberInfo) => {
    const v = str(b[from]);
    if (v !== undefined) (info as unknown as Record<string, string>)[to] = v;
  };
  copy('effDt', 'effDt');
  copy('resUntilDt', 'resUntilDt');
  copy('recVersionId', 'recVersionId');
  copy('lastActDt', 'lastActDt');
  copy('conName', 'contactName');
  copy('conPhone', 'contactPhone');
  return info;
}

/** G: where the update response carries the new recVersionId. */
export function parseUpdateResponse(body: unknown, num: string): SomosReleaseResult {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const list = Array.isArray(b.tfNumList) ? (b.tfNumList as Array<Record<string, unknown>>) : [];
  const entry = list.find((e) => e && str(e.num) === num) ?? list[0];
  const recVersionId = str(entry?.recVersionId) ?? str(b.recVersionId);
  return { num, ...(recVersionId ? { recVersionId } : {}) };
}

/** G: CR create/update response. */
export function parseCustomerRecordWrite(body: unknown, num: string): SomosCustomerRecordWrite {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const out: SomosCustomerRecordWrite = { num: str(b.num) ?? num };
  const effDtTm = str(b.effDtTm);
  const recVersionId = str(b.recVersionId);
  const status = str(b.custRecStat) ?? str(b.status);
  if (effDtTm) out.effDtTm = effDtTm;
  if (recVersionId) out.recVersionId = recVersionId;
  if (status) out.status = status;
  return out;
}

/** C1/G: CR retrieve response. */
export function parseCustomerRecord(body: unknown, num: string, options: { sipGatewayNumber?: string } = {}): SomosCustomerRecordInfo {
  const record = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const lst = Array.isArray(record.lstEffDtTms) ? (record.lstEffDtTms as Array<Record<string, unknown>>) : [];
  const first = lst[0];
  const out: SomosCustomerRecordInfo = {
    num: str(record.num) ?? num,
    routing: fromCustomerRecord({ num, ...record }, options),
    record,
  };
  const recVersionId = str(record.recVersionId);
  const respOrgId = str(record.ctrlRespOrgId);
  const numStatus = str(record.numStatus);
  const effDtTm = str(record.effDtTm) ?? str(first?.effDtTm);
  const status = str(first?.custRecStat) ?? str(record.custRecStat);
  if (recVersionId) out.recVersionId = recVersionId;
  if (respOrgId) out.respOrgId = respOrgId;
  if (numStatus) out.numStatus = numStatus;
  if (effDtTm) out.effDtTm = effDtTm;
  if (status) out.status = status;
  return out;
}

/** C: associatedRespOrgs[{respOrgId, status}]. */
export function parseRespOrgEntity(body: unknown, entityId: string): SomosRespOrgEntity {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const list = Array.isArray(b.associatedRespOrgs) ? (b.associatedRespOrgs as Array<Record<string, unknown>>) : [];
  return {
    entityId,
    units: list
      .filter((u) => u && str(u.respOrgId))
      .map((u) => ({ respOrgId: str(u.respOrgId)!, status: (str(u.status) ?? 'UNKNOWN').toUpperCase() })),
  };
}

/** G: the RespOrg change request (method, body). Isolated so a correction is one place. */
export function respOrgChangeCall(numbers: string[], newRespOrgId: string): Pick<ProviderRequest, 'method' | 'path' | 'json'> {
  return { method: 'POST', path: SOMOS_PATHS.respOrgChange, json: { numList: numbers, newRespOrgId } };
}

function parseChange(e: Record<string, unknown>): SomosRespOrgChange | undefined {
  const id = str(e.rchId) ?? str(e.id);
  const num = str(e.num) ?? str(e.tfNum);
  if (!id || !num) return undefined;
  return {
    id,
    num,
    status: (str(e.status) ?? 'PENDING').toUpperCase(),
    ...(str(e.oldRespOrgId) ? { oldRespOrgId: str(e.oldRespOrgId)! } : {}),
    ...(str(e.newRespOrgId) ? { newRespOrgId: str(e.newRespOrgId)! } : {}),
  };
}

/** G: {rchList:[{rchId, num, status, oldRespOrgId, newRespOrgId}]} (or one such object). */
export function parseRespOrgChanges(body: unknown): SomosRespOrgChange[] {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const list = Array.isArray(b.rchList) ? (b.rchList as Array<Record<string, unknown>>) : [b];
  return list.map(parseChange).filter((c): c is SomosRespOrgChange => c !== undefined);
}

/** G: the 202 body: {reqId} (requestId also accepted), optional blkId. */
export function parsePending(body: unknown, path: string, operation?: SomosOperation): SomosPending {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const reqId = str(b.reqId) ?? str(b.requestId);
  if (!reqId) {
    // Accepted, but nothing to follow: whatever was asked may or may not happen. Ambiguous, so a retry
    // looks at the registry before it acts again.
    throw new ProviderError('somos', `Somos ${operation ?? 'request'}: accepted (202) without a request id; the outcome is unknown`, {
      httpStatus: 202,
      retryable: true,
      ambiguous: true,
      kind: 'unavailable',
    });
  }
  const blkId = str(b.blkId);
  return { pending: true, reqId, path, ...(operation ? { operation } : {}), ...(blkId ? { blkId } : {}) };
}

/** A 200 that reports only errors (no data): mapped like a 409 so "taken" reads as not_available. */
function errorsOnly(operation: string, errors: SomosErrItem[], body: unknown): ProviderError {
  const mapped = mapSomosError(409, body);
  const taken = errors.some((e) => NUMBER_NOT_AVAILABLE_CODES.has(e.errCode) || isNumberTakenMessage(e.errMsg));
  return new ProviderError('somos', `${mapped.message} (${operation})`, {
    httpStatus: 200,
    retryable: false,
    ...(mapped.info.providerCode ? { providerCode: mapped.info.providerCode } : {}),
    kind: taken ? 'not_available' : 'invalid_request',
  });
}

// ---------------------------------------------------------------------------------------------
// The client

export function createSomosClient(options: SomosClientOptions): SomosRegistryClient {
  const acceptVersion = options.acceptVersion ?? DEFAULT_ACCEPT_VERSION;
  const overrides = options.http ?? {};
  const http: ProviderHttp = createProviderHttp({
    ...overrides,
    provider: 'somos',
    baseUrl: options.baseUrl ?? overrides.baseUrl ?? SOMOS_DEFAULT_BASE_URL,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    mapError: overrides.mapError ?? ((status, body, headers) => mapSomosError(status, body, headers)),
  });

  const parsers: Record<SomosOperation, (body: unknown, path: string) => unknown> = {
    search: (b) => parseNumList(b),
    searchAndReserve: (b) => reservedNumbers(b),
    query: (b, path) => parseNumberQuery(b, path.split('/').pop() ?? ''),
    release: (b) => parseUpdateResponse(b, ''),
    createCustomerRecord: (b) => parseCustomerRecordWrite(b, ''),
    retrieveCustomerRecord: (b, path) => parseCustomerRecord(b, path.split('/').pop() ?? ''),
    updateCustomerRecord: (b) => parseCustomerRecordWrite(b, ''),
    respOrgEntity: (b, path) => parseRespOrgEntity(b, path.split('/').pop() ?? ''),
    respOrgChange: (b) => parseRespOrgChanges(b),
    respOrgChangeStatus: (b) => {
      const change = parseRespOrgChanges(b)[0];
      if (!change) throw unexpectedResponse('RespOrg change status', 'no change in the answer');
      return change;
    },
  };

  function reservedNumbers(body: unknown): string[] {
    const numbers = parseNumList(body);
    const errors = parseErrList(body);
    if (numbers.length === 0 && errors.length > 0) throw errorsOnly('search and reserve', errors, body);
    return numbers;
  }

  function headersFor(ctx: SomosCallContext, token: string): Record<string, string> {
    return { authorization: `Bearer ${token}`, roid: ctx.roid, 'accept-version': acceptVersion };
  }

  /** One call with the 401 rule: one forced refresh, one retry. */
  async function call<T>(
    ctx: SomosCallContext,
    operation: SomosOperation,
    req: Omit<ProviderRequest, 'headers' | 'signal'>,
    parse: (body: unknown) => T,
    tagPending = true,
  ): Promise<SomosResult<T>> {
    if (!ROID_PATTERN.test(ctx.roid ?? '')) throw invalid('ROID must be a 5-character RespOrg unit id (capital letters and digits)');
    const send = (token: string) => http.request({ ...req, headers: headersFor(ctx, token), ...(ctx.signal ? { signal: ctx.signal } : {}), operation: `somos.${operation}` });
    const token = await options.tokens.getToken();
    let res;
    try {
      res = await send(token);
    } catch (err) {
      if (!(err instanceof ProviderError) || err.info.httpStatus !== 401) throw err;
      const fresh = await options.tokens.getToken({ forceRefresh: true, rejectedToken: token });
      res = await send(fresh); // a second 401 propagates: never a loop
    }
    const path = req.path.split('?')[0]!;
    if (res.status === 202) return parsePending(res.body, path, tagPending ? operation : undefined);
    return { pending: false, data: parse(res.body) };
  }

  async function query(ctx: SomosCallContext, num: string): Promise<SomosResult<SomosNumberInfo>> {
    const n = tfn(num);
    return call(ctx, 'query', { method: 'GET', path: SOMOS_PATHS.query(n), idempotent: true }, (b) => parseNumberQuery(b, n));
  }

  return {
    async search(ctx, request) {
      const body = searchBody(request);
      return call(ctx, 'search', { method: 'PUT', path: SOMOS_PATHS.search[request.kind], json: body, idempotent: true }, parseNumList);
    },

    async searchAndReserve(ctx, request) {
      if (!request.contactName?.trim()) throw invalid('contactName is required to reserve');
      const phone = request.contactPhone?.replace(/^\+1/, '').replace(/\D/g, '');
      if (!phone || !/^\d{10}$/.test(phone)) throw invalid('contactPhone must be a 10-digit North American number');
      const body: Record<string, unknown> = {
        ...searchBody(request),
        conName: request.contactName.trim(),
        conTel: phone,
        ...(request.notes ? { shrtNotes: request.notes } : {}),
      };
      // C lists qty, npa?, conName, conTel, shrtNotes? for srchres/random; cons is sent (G).
      return call(ctx, 'searchAndReserve', { method: 'POST', path: SOMOS_PATHS.searchAndReserve[request.kind], json: body, idempotent: false }, reservedNumbers);
    },

    query,

    async releaseReservation(ctx, num, recVersionId) {
      const n = tfn(num);
      let version = recVersionId;
      if (version === undefined) {
        const q = await query(ctx, n);
        if (q.pending) throw new ProviderError('somos', 'Somos number query is still pending; retry the release later', { retryable: true, kind: 'unavailable' });
        if (q.data.status !== 'RESERVED') {
          throw new ProviderError('somos', `Somos number ${n} is ${q.data.status}, not RESERVED`, { retryable: false, kind: 'invalid_request' });
        }
        version = q.data.recVersionId;
        if (!version) throw unexpectedResponse('number query', 'no recVersionId');
      }
      return call(
        ctx,
        'release',
        { method: 'PUT', path: SOMOS_PATHS.update, json: { tfNumList: [{ num: n, recVersionId: version }], status: 'SPARE' }, idempotent: false },
        (b) => parseUpdateResponse(b, n),
      );
    },

    async createCustomerRecord(ctx, input) {
      const body = customerRecordBody(ctx, input);
      return call(ctx, 'createCustomerRecord', { method: 'POST', path: SOMOS_PATHS.customerRecord, json: body, idempotent: false }, (b) =>
        parseCustomerRecordWrite(b, body.num),
      );
    },

    async retrieveCustomerRecord(ctx, num, opts = {}) {
      const n = tfn(num);
      return call(ctx, 'retrieveCustomerRecord', { method: 'GET', path: SOMOS_PATHS.customerRecordByNum(n), idempotent: true }, (b) =>
        parseCustomerRecord(b, n, opts),
      );
    },

    async updateCustomerRecord(ctx, input) {
      if (!input.recVersionId) throw invalid('recVersionId is required to update a customer record');
      const body: SomosCustomerRecordBody = { ...customerRecordBody(ctx, input), recVersionId: input.recVersionId };
      return call(ctx, 'updateCustomerRecord', { method: 'PUT', path: SOMOS_PATHS.customerRecord, json: body, idempotent: false }, (b) =>
        parseCustomerRecordWrite(b, body.num),
      );
    },

    async getRespOrgEntity(ctx, entityId) {
      if (!ENTITY_ID_PATTERN.test(entityId)) throw invalid('entityId must be a 2-character RespOrg entity id');
      return call(ctx, 'respOrgEntity', { method: 'GET', path: SOMOS_PATHS.respOrgEntity(entityId), idempotent: true }, (b) =>
        parseRespOrgEntity(b, entityId),
      );
    },

    async requestRespOrgChange(ctx, request) {
      const target = request.newRespOrgId ?? ctx.roid;
      if (!ROID_PATTERN.test(target)) throw invalid('newRespOrgId must be a 5-character RespOrg unit id');
      if (!request.numbers?.length) throw invalid('numbers must list at least one number');
      const numbers = request.numbers.map((n, i) => tfn(n, `numbers[${i}]`));
      return call(ctx, 'respOrgChange', { ...respOrgChangeCall(numbers, target), idempotent: false }, parseRespOrgChanges);
    },

    async getRespOrgChange(ctx, id) {
      if (!id) throw invalid('id is required');
      return call(ctx, 'respOrgChangeStatus', { method: 'GET', path: SOMOS_PATHS.respOrgChangeById(id), idempotent: true }, (b) =>
        parsers.respOrgChangeStatus(b, '') as SomosRespOrgChange,
      );
    },

    async retrieve<T = unknown>(ctx: SomosCallContext, pending: Pick<SomosPending, 'path' | 'reqId'> & { operation?: SomosOperation }) {
      if (!pending.reqId) throw invalid('reqId is required');
      if (!pending.path.startsWith('/')) throw invalid('path must start with /');
      const path = pending.path.split('?')[0]!;
      const parse = pending.operation ? (b: unknown) => parsers[pending.operation!](b, path) as T : (b: unknown) => b as T;
      return call<T>(ctx, pending.operation ?? 'query', { method: 'GET', path, query: { reqId: pending.reqId }, idempotent: true }, parse, pending.operation !== undefined);
    },
  };
}

function customerRecordBody(ctx: SomosCallContext, input: CustomerRecordInput): SomosCustomerRecordBody {
  const { num, routing, ...rest } = input;
  try {
    return toCustomerRecord(num, routing, { ...rest, respOrgId: ctx.roid });
  } catch (err) {
    if (err instanceof RoutingMappingError) throw invalid(err.message);
    throw err;
  }
}
