/**
 * Somos error mapping and the client's pure request/response helpers.
 */
import { describe, expect, it } from 'vitest';
import {
  mapSomosError,
  parseErrList,
  scrubSecrets,
  sessionOverrideKey,
} from '../../shared/providers/somos/errors.js';
import {
  activeUnits,
  parseCustomerRecord,
  parseNumberQuery,
  parseNumList,
  parsePending,
  parseRespOrgChanges,
  parseRespOrgEntity,
  parseUpdateResponse,
  respOrgChangeCall,
  searchBody,
} from '../../shared/providers/somos/client.js';
import { ProviderError } from '../../shared/providers/types.js';

const errList = (code: string, msg: string) => ({ errList: [{ errCode: code, errMsg: msg }] });

describe('mapSomosError', () => {
  it.each([
    [400, errList('700001', 'qty: required'), 'invalid_request'],
    [401, errList('900901', 'Invalid Credentials'), 'auth'],
    [403, errList('700403', 'not permitted for RespOrg'), 'auth'],
    [404, errList('810404', 'No customer record'), 'not_found'],
    [409, errList('805100', '8005550100: Number is not available'), 'not_available'],
    [409, errList('805101', 'reserved by another RespOrg'), 'not_available'],
    [409, errList('899999', 'Number already reserved'), 'not_available'], // G: by message
    [409, errList('805200', 'Record was modified (recVersionId mismatch)'), 'invalid_request'],
    [429, errList('700429', 'slow down'), 'rate_limited'],
    [500, errList('799500', 'Internal'), 'unavailable'],
    [503, 'upstream down', 'unavailable'],
  ])('%i %j → %s', (status, body, kind) => {
    const err = mapSomosError(status, body);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.provider).toBe('somos');
    expect(err.info.kind).toBe(kind);
    expect(err.info.httpStatus).toBe(status);
    expect(err.info.retryable).toBe(status === 429 || status >= 500);
    if (typeof body === 'object') expect(err.info.providerCode).toBe(body.errList[0]!.errCode);
  });

  it('message: code and text; several errors joined', () => {
    expect(mapSomosError(400, { errList: [{ errCode: '700001', errMsg: 'a' }, { errCode: '700002', errMsg: 'b' }] }).message).toBe('Somos error 700001: 700001 a; 700002 b');
    expect(mapSomosError(502, undefined).message).toBe('Somos HTTP 502: HTTP 502');
  });

  it('OAuth2 errors of /token (C1)', () => {
    const err = mapSomosError(400, { error: 'invalid_grant', error_description: 'Invalid or expired refresh token' });
    expect(err.info).toMatchObject({ providerCode: 'invalid_grant', kind: 'invalid_request', httpStatus: 400 });
    expect(err.message).toBe('Somos error invalid_grant: invalid_grant: Invalid or expired refresh token');
    expect(mapSomosError(401, { error: 'invalid_client' }).info.kind).toBe('auth');
  });

  it('scrubs secrets and credential-looking strings; caps the length', () => {
    const err = mapSomosError(400, errList('1', 'token abcdef123456 rejected; Authorization: Bearer eyAAAAAAAAAAAAAA'), {}, ['abcdef123456']);
    expect(err.message).not.toContain('abcdef123456');
    expect(err.message).not.toContain('eyAAAAAAAAAAAAAA');
    expect(scrubSecrets('x'.repeat(900), []).length).toBeLessThanOrEqual(501);
  });

  it('Retry-After is kept', () => {
    expect(mapSomosError(429, {}, { 'retry-after': '7' }).info.retryAfterSeconds).toBe(7);
  });
});

describe('errList helpers', () => {
  it('parseErrList tolerates junk', () => {
    expect(parseErrList({ errList: [{ errCode: 805102, errMsg: 'Invalid Toll-Free Number.' }, null, 'x'] })).toEqual([
      { errCode: '805102', errMsg: 'Invalid Toll-Free Number.' },
    ]);
    expect(parseErrList('nope')).toEqual([]);
    expect(parseErrList({ errList: 'x' })).toEqual([]);
  });
  it('sessionOverrideKey only for 701003 with a key (C)', () => {
    expect(sessionOverrideKey({ ...errList('701003', 'already logged in'), sessOverrideKey: 'k1' })).toBe('k1');
    expect(sessionOverrideKey({ ...errList('701001', 'bad login'), sessOverrideKey: 'k1' })).toBeUndefined();
    expect(sessionOverrideKey(errList('701003', 'already logged in'))).toBeUndefined();
  });
});

describe('searchBody (C keys)', () => {
  it('random: qty, npa?, nxx?, line?, cons', () => {
    expect(searchBody({ kind: 'random', qty: 3 })).toEqual({ qty: 3, cons: 'N' });
    expect(searchBody({ kind: 'random', qty: 2, npa: '888', nxx: '555', line: '0100', consecutive: true })).toEqual({ qty: 2, npa: '888', nxx: '555', line: '0100', cons: 'Y' });
  });
  it('wildcard: qty, wildCardNum', () => {
    expect(searchBody({ kind: 'wildcard', qty: 1, pattern: '8**-9**-0023' })).toEqual({ qty: 1, wildCardNum: '8**9**0023' });
  });
  it('specific: numList of 10-digit numbers', () => {
    expect(searchBody({ kind: 'specific', numbers: ['+18005550100', '1-833-555-0101'] })).toEqual({ numList: ['8005550100', '8335550101'] });
  });
  it.each([
    [{ kind: 'random', qty: 0 }, /qty/],
    [{ kind: 'random', qty: 1, npa: '312' }, /npa/],
    [{ kind: 'random', qty: 1, nxx: '12' }, /nxx/],
    [{ kind: 'random', qty: 1, line: '1' }, /line/],
    [{ kind: 'wildcard', qty: 1, pattern: '8**' }, /pattern/],
    [{ kind: 'specific', numbers: [] }, /numbers/],
    [{ kind: 'specific', numbers: ['3125550100'] }, /numbers\[0\]/],
  ] as const)('rejects %j', (req, message) => {
    let err: unknown;
    try {
      searchBody(req as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).info.kind).toBe('invalid_request');
    expect((err as Error).message).toMatch(message);
  });
});

describe('response parsers', () => {
  it('numList: strings or {num}, formatting removed', () => {
    expect(parseNumList({ numList: ['8005550100', '833-555-0101', { num: '18445550102' }, 42, 'junk'] })).toEqual(['8005550100', '8335550101', '8445550102']);
    expect(parseNumList({})).toEqual([]);
  });

  it('number query: flat and queryResult[] (C1)', () => {
    const flat = { num: '8005550100', status: 'reserved', ctrlRespOrgId: 'NPS01', effDt: '2026-03-02', resUntilDt: '2026-04-16', recVersionId: 'V1', conName: 'Ops', conPhone: '3125550100' };
    const expected = { num: '8005550100', status: 'RESERVED', respOrgId: 'NPS01', effDt: '2026-03-02', resUntilDt: '2026-04-16', recVersionId: 'V1', contactName: 'Ops', contactPhone: '3125550100' };
    expect(parseNumberQuery(flat, '8005550100')).toEqual(expected);
    expect(parseNumberQuery({ queryResult: [{ num: '8005550199', status: 'SPARE' }, flat] }, '8005550100')).toEqual(expected);
    expect(() => parseNumberQuery(errList('805102', 'Invalid Toll-Free Number.'), '8005550100')).toThrow(/805102/);
  });

  it('update response: recVersionId per number or top level (G)', () => {
    expect(parseUpdateResponse({ tfNumList: [{ num: '8005550100', recVersionId: 'V2' }] }, '8005550100')).toEqual({ num: '8005550100', recVersionId: 'V2' });
    expect(parseUpdateResponse({ recVersionId: 'V3' }, '8005550100')).toEqual({ num: '8005550100', recVersionId: 'V3' });
    expect(parseUpdateResponse({}, '8005550100')).toEqual({ num: '8005550100' });
  });

  it('customer record (C1 fields)', () => {
    const cr = parseCustomerRecord(
      {
        num: '8005550100',
        recVersionId: 'V7',
        ctrlRespOrgId: 'NPS01',
        numStatus: 'WORKING',
        lstEffDtTms: [{ effDtTm: '2026-03-02T15:00Z', custRecStat: 'ACTIVE' }],
        destNums: [{ destNum: '3125550100', numTermLine: 1 }],
        aos: { aosNet: ['US'] },
      },
      '8005550100',
    );
    expect(cr).toMatchObject({ num: '8005550100', recVersionId: 'V7', respOrgId: 'NPS01', numStatus: 'WORKING', effDtTm: '2026-03-02T15:00Z', status: 'ACTIVE' });
    expect(cr.routing.primary).toEqual({ type: 'pstn', destination: '+13125550100' });
  });

  it('RespOrg entity (C) and the active filter', () => {
    const entity = parseRespOrgEntity({ associatedRespOrgs: [{ respOrgId: 'NPS01', status: 'active' }, { respOrgId: 'NPS09', status: 'INACTIVE' }, { status: 'ACTIVE' }] }, 'NP');
    expect(entity).toEqual({ entityId: 'NP', units: [{ respOrgId: 'NPS01', status: 'ACTIVE' }, { respOrgId: 'NPS09', status: 'INACTIVE' }] });
    expect(activeUnits(entity)).toEqual([{ respOrgId: 'NPS01', status: 'ACTIVE' }]);
  });

  it('RespOrg change (G): request shape and responses', () => {
    expect(respOrgChangeCall(['8005550100'], 'NPS01')).toEqual({ method: 'POST', path: '/v3/ip/num/rch', json: { numList: ['8005550100'], newRespOrgId: 'NPS01' } });
    expect(parseRespOrgChanges({ rchList: [{ rchId: 'R1', num: '8005550100', status: 'pending', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01' }] })).toEqual([
      { id: 'R1', num: '8005550100', status: 'PENDING', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01' },
    ]);
    expect(parseRespOrgChanges({ rchId: 'R2', tfNum: '8005550100', status: 'COMPLETED' })).toEqual([{ id: 'R2', num: '8005550100', status: 'COMPLETED' }]);
  });

  it('202 body: reqId (or requestId) and blkId (C1)', () => {
    expect(parsePending({ reqId: 'abc', blkId: 'B1' }, '/v3/ip/num/tfn/random', 'search')).toEqual({
      pending: true,
      reqId: 'abc',
      path: '/v3/ip/num/tfn/random',
      operation: 'search',
      blkId: 'B1',
    });
    expect(parsePending({ requestId: 42 }, '/p').reqId).toBe('42');
    // Accepted with nothing to follow: ambiguous (a retry must look before it acts), never "permanent".
    let thrown: unknown;
    try {
      parsePending({}, '/p');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    expect((thrown as ProviderError).message).toMatch(/accepted \(202\) without a request id/);
    expect((thrown as ProviderError).info).toMatchObject({ httpStatus: 202, retryable: true, ambiguous: true });
  });
});
