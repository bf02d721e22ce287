/** Somos TFN Registry client: request bodies and the parsers of the registry's answers (numbers, customer records, RespOrg entities and changes, 202s). */
import { type ProviderRequest } from '../http.js';
import { ProviderError } from '../types.js';
import { isNumberTakenMessage, mapSomosError, NUMBER_NOT_AVAILABLE_CODES, parseErrList, unexpectedResponse, type SomosErrItem } from './errors.js';
import { fromCustomerRecord, normalizeTollFree, RoutingMappingError, TOLL_FREE_NPAS } from './routing.js';
import { SOMOS_PATHS, type SomosCustomerRecordInfo, type SomosCustomerRecordWrite, type SomosNumberInfo, type SomosOperation, type SomosPending, type SomosReleaseResult, type SomosRespOrgChange, type SomosRespOrgEntity, type SomosRespOrgUnit, type SomosSearchRequest } from './client-types.js';

// ---------------------------------------------------------------------------------------------
// Helpers (pure, exported for tests)

export const ROID_PATTERN = /^[A-Z0-9]{5}$/;
export const ENTITY_ID_PATTERN = /^[A-Z0-9]{2}$/;

export function invalid(message: string): ProviderError {
  return new ProviderError('somos', message, { retryable: false, kind: 'invalid_request' });
}

export function tfn(value: string, field = 'num'): string {
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
  const versions = lst.flatMap((v) => {
    const at = str(v?.effDtTm);
    if (!at) return [];
    const stat = str(v.custRecStat);
    const version = str(v.recVersionId);
    return [{ effDtTm: at, ...(stat ? { status: stat } : {}), ...(version ? { recVersionId: version } : {}) }];
  });
  if (versions.length) out.versions = versions;
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
export function errorsOnly(operation: string, errors: SomosErrItem[], body: unknown): ProviderError {
  const mapped = mapSomosError(409, body);
  const taken = errors.some((e) => NUMBER_NOT_AVAILABLE_CODES.has(e.errCode) || isNumberTakenMessage(e.errMsg));
  return new ProviderError('somos', `${mapped.message} (${operation})`, {
    httpStatus: 200,
    retryable: false,
    ...(mapped.info.providerCode ? { providerCode: mapped.info.providerCode } : {}),
    kind: taken ? 'not_available' : 'invalid_request',
  });
}
