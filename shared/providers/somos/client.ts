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
import { createProviderHttp, type ProviderHttp, type ProviderRequest } from '../http.js';
import { ProviderError } from '../types.js';
import { mapSomosError, parseErrList, unexpectedResponse } from './errors.js';
import { formatEffectiveAt, RoutingMappingError, toCustomerRecord, type SomosCustomerRecordBody } from './routing.js';
import { DEFAULT_ACCEPT_VERSION } from './token-manager.js';
import { type CustomerRecordInput, SOMOS_DEFAULT_BASE_URL, SOMOS_PATHS, type SomosCallContext, type SomosClientOptions, type SomosDisconnectInput, type SomosNumberInfo, type SomosOperation, type SomosPending, type SomosRegistryClient, type SomosRespOrgChange, type SomosResult } from './client-types.js';
import { ENTITY_ID_PATTERN, ROID_PATTERN, errorsOnly, invalid, parseCustomerRecord, parseCustomerRecordWrite, parseNumList, parseNumberQuery, parsePending, parseRespOrgChanges, parseRespOrgEntity, parseUpdateResponse, respOrgChangeCall, searchBody, tfn } from './client-parsers.js';
export * from './client-types.js';
export * from './client-parsers.js';

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
    disconnectCustomerRecord: (b) => parseCustomerRecordWrite(b, ''),
    updateReservation: (b) => parseUpdateResponse(b, ''),
    deleteCustomerRecord: (b) => parseCustomerRecordWrite(b, ''),
    cancelRespOrgChange: (b) => {
      const change = parseRespOrgChanges(b)[0];
      if (!change) throw unexpectedResponse('RespOrg change cancel', 'no change in the answer');
      return change;
    },
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

    async deleteCustomerRecordVersion(ctx, version) {
      const n = tfn(version.num);
      if (!version.effDtTm || !version.recVersionId) throw invalid('effDtTm and recVersionId are required to delete a customer record version');
      return call(ctx, 'deleteCustomerRecord', { method: 'DELETE', path: SOMOS_PATHS.customerRecordVersion(n, version.effDtTm, version.recVersionId), idempotent: false }, (b) =>
        parseCustomerRecordWrite(b, n),
      );
    },

    async disconnectCustomerRecord(ctx, input) {
      const body = disconnectBody(input);
      return call(ctx, 'disconnectCustomerRecord', { method: 'POST', path: SOMOS_PATHS.customerRecordDisconnect, json: body, idempotent: false }, (b) =>
        parseCustomerRecordWrite(b, body.srcNum),
      );
    },

    async updateReservation(ctx, num, change) {
      const n = tfn(num);
      if (!change.recVersionId) throw invalid('recVersionId is required to update a reservation');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(change.reservedUntil)) throw invalid('reservedUntil must be a date (YYYY-MM-DD)');
      return call(
        ctx,
        'updateReservation',
        { method: 'PUT', path: SOMOS_PATHS.update, json: { tfNumList: [{ num: n, recVersionId: change.recVersionId }], resUntilDt: change.reservedUntil }, idempotent: false },
        (b) => parseUpdateResponse(b, n),
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

    async cancelRespOrgChange(ctx, id) {
      if (!id) throw invalid('id is required');
      return call(ctx, 'cancelRespOrgChange', { method: 'DELETE', path: SOMOS_PATHS.respOrgChangeById(id), idempotent: false }, (b) =>
        parsers.cancelRespOrgChange(b, '') as SomosRespOrgChange,
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

/**
 * C1: the disconnect body of the public regression suites: srcNum, srcRecVersionId, tgtEffDtTm ("NOW"
 * or ISO), cmd "U", referral Y/N, endInterceptDt, custRecCompPart "CAD". G: endInterceptDt as a date
 * (YYYY-MM-DD), "NOW" without referral; no carriers or destinations (the suites leave them out).
 */
export function disconnectBody(input: SomosDisconnectInput) {
  const num = tfn(input.num);
  if (!input.recVersionId) throw invalid('recVersionId is required to disconnect a customer record');
  if (input.referral && !input.endInterceptAt) throw invalid('endInterceptAt is required with a referral');
  return {
    srcNum: num,
    srcRecVersionId: input.recVersionId,
    tgtEffDtTm: formatEffectiveAt(input.effectiveAt),
    cmd: 'U' as const,
    referral: input.referral ? ('Y' as const) : ('N' as const),
    endInterceptDt: input.referral && input.endInterceptAt ? input.endInterceptAt.toISOString().slice(0, 10) : 'NOW',
    custRecCompPart: 'CAD' as const,
    ...(input.notes ? { notes: input.notes.slice(0, 151) } : {}),
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
