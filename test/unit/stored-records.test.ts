import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Firestore } from '@google-cloud/firestore';
import { setLogSink } from '../../shared/log.js';
import { AppError } from '../../shared/http/errors.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import { createTenantCollection, readStored } from '../../shared/store/tenant-collection.js';
import { parseJob, parseJobItem } from '../../shared/domain/job.js';
import { parseLocation } from '../../modules/directory/services/locations.js';
import { parseAgent } from '../../modules/directory/services/agents.js';
import { parseLoa } from '../../modules/tollfree/services/loa.js';
import { parseTollFreeRequest } from '../../modules/tollfree/services/requests.js';
import { parseTransfer } from '../../modules/tollfree/services/transfers.js';
import { parseRequirementGroup } from '../../modules/requirements/services/requirements.js';
import { parseVapiCredential } from '../../modules/vapi/services/import.js';
import { parseProviderAccount } from '../../modules/accounts/services/provider-accounts.js';

// Every tenant collection reads its documents through a zod schema of the stored record: what the
// code writes parses (unknown fields kept), a missing or mistyped field does not.

const at = '2025-03-04T10:11:12.000Z';
const later = '2025-03-05T08:00:00.000Z';
type Doc = Record<string, unknown>;

interface Case {
  name: string;
  parse: (data: unknown) => unknown;
  /** Documents as the code writes them; the first one sets every field the record knows. */
  written: Doc[];
  /** Fields every document must have. */
  required: string[];
  /** Fields whose value may be anything (not checked by type). */
  untyped?: string[];
}

const cases: Case[] = [
  {
    name: 'locations',
    parse: parseLocation,
    written: [
      { id: 'loc_0123456789abcdef', tenantId: 'acme', name: 'Main clinic', address: '1 Main St, Springfield', timezone: 'America/Chicago', externalRef: 'crm-17', createdAt: at, updatedAt: later },
      { id: 'loc_0123456789abcdee', tenantId: 'acme', name: 'Annex', createdAt: at, updatedAt: at },
    ],
    required: ['id', 'tenantId', 'name', 'createdAt', 'updatedAt'],
  },
  {
    name: 'agents',
    parse: parseAgent,
    written: [
      {
        id: 'agt_0123456789abcdef',
        tenantId: 'acme',
        name: 'Front desk',
        description: 'Answers the main line',
        inboundPhone: '+14155550100',
        inboundNumberId: 'num_00000000000000000001',
        outboundPhone: '+14155550101',
        outboundNumberId: 'num_00000000000000000002',
        assistantId: 'asst_1',
        createdAt: at,
        updatedAt: later,
      },
      { id: 'agt_0123456789abcdee', tenantId: 'acme', name: 'Night line', createdAt: at, updatedAt: at },
    ],
    required: ['id', 'tenantId', 'name', 'createdAt', 'updatedAt'],
  },
  {
    name: 'respOrgLoas',
    parse: parseLoa,
    written: [
      {
        id: 'loa_0123456789abcdef',
        tenantId: 'acme',
        filename: 'loa.pdf',
        contentType: 'application/pdf',
        size: 12345,
        sha256: 'a'.repeat(64),
        documentId: 'doc-1',
        accountId: 'platform',
        createdAt: at,
        updatedAt: at,
      },
    ],
    required: ['id', 'tenantId', 'filename', 'contentType', 'size', 'sha256', 'documentId', 'accountId', 'createdAt', 'updatedAt'],
  },
  {
    name: 'tollfreeRequests',
    parse: parseTollFreeRequest,
    written: [
      {
        id: 'tfr_0123456789abcdef',
        tenantId: 'acme',
        operation: 'reserve',
        status: 'completed',
        roid: 'ABC01',
        somos: { path: '/v3/ip/num/tfn/srchres', reqId: 'req-1', operation: 'searchAndReserve' },
        context: { num: '8335550100', requested: ['8335550100'] },
        resource: '/v1/tollfree/numbers/8335550100',
        result: { data: [{ num: '8335550100', status: 'RESERVED' }] },
        error: { message: 'refused', code: 'E1' },
        attempts: 3,
        completedAt: later,
        origin: { jobId: 'job_1', itemId: 'it_00000' },
        createdAt: at,
        updatedAt: later,
      },
      {
        id: 'tfr_0123456789abcdee',
        tenantId: 'acme',
        operation: 'entity',
        status: 'pending',
        roid: 'ABC01',
        somos: { path: '/v3/ip/org/resp', reqId: 'req-2' },
        context: { entityId: 'AB' },
        attempts: 0,
        createdAt: at,
        updatedAt: at,
      },
    ],
    required: ['id', 'tenantId', 'operation', 'status', 'roid', 'somos', 'context', 'attempts', 'createdAt', 'updatedAt'],
    untyped: ['result'],
  },
  {
    name: 'respOrgTransfers',
    parse: parseTransfer,
    written: [
      {
        id: 'rch_0123456789abcdef',
        tenantId: 'acme',
        status: 'approved',
        direction: 'in',
        numbers: ['8335550100'],
        toRespOrgId: 'ABC01',
        fromRespOrgId: 'XYZ01',
        loaReference: 'LOA-2025-1',
        loa: { id: 'loa_0123456789abcdef', filename: 'loa.pdf' },
        expectedCompletion: { earliest: '2025-03-11', latest: '2025-03-13' },
        items: [{ number: '8335550100', phoneNumber: '+18335550100', status: 'approved', rchId: 'rch-9', oldRespOrgId: 'XYZ01', updatedAt: later }],
        history: [
          { status: 'submitted', at, source: 'request' },
          { status: 'approved', at: later, source: 'notification' },
        ],
        pendingRequestId: 'tfr_0123456789abcdef',
        completedAt: later,
        createdAt: at,
        updatedAt: later,
      },
      {
        // One of ours moved away (recordOutboundTransfer).
        id: 'rch_0123456789abcdee',
        tenantId: 'acme',
        status: 'completed',
        direction: 'out',
        numbers: ['8335550101'],
        fromRespOrgId: 'ABC01',
        toRespOrgId: 'XYZ01',
        items: [{ number: '8335550101', phoneNumber: '+18335550101', status: 'completed', oldRespOrgId: 'ABC01', updatedAt: at }],
        history: [{ status: 'completed', at, source: 'notification' }],
        completedAt: at,
        createdAt: at,
        updatedAt: at,
      },
      {
        // Written before transfers had a direction, their numbers and an LOA reference by id.
        id: 'rch_0123456789abcded',
        tenantId: 'acme',
        status: 'failed',
        toRespOrgId: 'ABC01',
        loaReference: 'LOA-1',
        items: [{ number: '8335550102', phoneNumber: '+18335550102', status: 'failed', error: 'refused by the registry', updatedAt: at }],
        history: [{ status: 'failed', at, source: 'request' }],
        createdAt: at,
        updatedAt: at,
      },
    ],
    required: ['id', 'tenantId', 'status', 'toRespOrgId', 'items', 'history', 'createdAt', 'updatedAt'],
  },
  {
    name: 'jobs',
    parse: parseJob,
    written: [
      {
        id: 'job_0123456789abcdef0123',
        tenantId: 'acme',
        type: 'purchase',
        provider: 'twilio',
        accountId: 'acc_1',
        status: 'completed_with_errors',
        itemCount: 2,
        search: { areaCode: '415', quantity: 2 },
        callbackUrl: 'https://hooks.example.com/jobs',
        cancelRequested: false,
        reserved: 2,
        createdBy: 'uid-1',
        createdAt: at,
        updatedAt: later,
        startedAt: at,
        finishedAt: later,
        chunksPublishedAt: at,
        finalCounts: { queued: 0, running: 0, succeeded: 1, failed: 1, cancelled: 0 },
        failureReason: '1 of 2 items were never stored',
      },
      { id: 'job_0123456789abcdef0124', tenantId: 'acme', type: 'release', provider: 'twilio', status: 'queued', itemCount: 3, createdBy: 'uid-1', createdAt: at, updatedAt: at },
    ],
    required: ['id', 'tenantId', 'type', 'provider', 'status', 'itemCount', 'createdBy', 'createdAt', 'updatedAt'],
  },
  {
    name: 'job items',
    parse: parseJobItem,
    written: [
      {
        id: 'it_00003',
        jobId: 'job_0123456789abcdef0123',
        tenantId: 'acme',
        index: 3,
        state: 'running',
        input: { phoneNumber: '+14155550100' },
        attempts: 2,
        leaseUntil: later,
        result: { numberId: 'num_0123456789abcdef0123', status: 'pending' },
        error: { code: 'PROVIDER_ERROR', message: 'Service unavailable', provider: 'twilio', providerCode: '20503', retryable: true },
        waitingFor: { kind: 'number-order', id: 'num_0123456789abcdef0123' },
        updatedAt: later,
        finishedAt: later,
      },
      // Settled: its lease cleared to null, as the workflows write it.
      { id: 'it_00000', jobId: 'job_0123456789abcdef0123', tenantId: 'acme', index: 0, state: 'succeeded', input: { numberId: 'num_1' }, attempts: 1, leaseUntil: null, result: { numberId: 'num_1' }, updatedAt: at, finishedAt: at },
      { id: 'it_00001', jobId: 'job_0123456789abcdef0123', tenantId: 'acme', index: 1, state: 'queued', input: {}, attempts: 0, updatedAt: at },
    ],
    required: ['id', 'jobId', 'tenantId', 'index', 'state', 'input', 'attempts', 'updatedAt'],
  },
  {
    name: 'requirementGroups',
    parse: parseRequirementGroup,
    written: [
      {
        id: 'rqg_0123456789abcdef',
        tenantId: 'acme',
        provider: 'telnyx',
        accountId: 'platform',
        companyId: 'co-1',
        country: 'DE',
        type: 'local',
        action: 'ordering',
        providerGroupId: 'grp-1',
        status: 'rejected',
        statusReason: 'address not in the area',
        requirements: [
          { id: 'req-a', name: 'Proof of address', kind: 'document', description: 'A utility bill', acceptanceCriteria: { timeLimit: '3 months' } },
          { id: 'req-b', name: 'Address', kind: 'address', acceptanceCriteria: { localityLimit: 'same area code' } },
          { id: 'req-c', name: 'Name', kind: 'textual', acceptanceCriteria: { minLength: 2, maxLength: 40, acceptableValues: ['x'], acceptableCharacters: 'a-z', regex: '^.+$' } },
        ],
        values: {
          'req-a': { kind: 'document', documentId: 'doc-1', filename: 'bill.pdf', submittedAt: at, status: 'declined', reason: 'blurry' },
          'req-b': { kind: 'address', addressId: 'adr_1', value: '1 Hauptstr., 10115 Berlin, DE', submittedAt: at },
          'req-c': { kind: 'textual', value: 'Acme GmbH', submittedAt: at },
        },
        submittedAt: at,
        decidedAt: later,
        holdsDuringReview: false,
        createdAt: at,
        updatedAt: later,
      },
      {
        // The placeholder of a creation (before the provider's group exists).
        id: 'rqg_0123456789abcdee',
        tenantId: 'acme',
        provider: 'telnyx',
        accountId: 'platform',
        country: 'DE',
        type: 'mobile',
        action: 'porting',
        status: 'creating',
        requirements: [],
        values: {},
        createdAt: at,
        updatedAt: at,
      },
    ],
    required: ['id', 'tenantId', 'provider', 'accountId', 'country', 'type', 'action', 'status', 'requirements', 'values', 'createdAt', 'updatedAt'],
  },
  {
    name: 'vapiCredentials',
    parse: parseVapiCredential,
    written: [
      {
        id: 'vcr_0123456789abcdef',
        tenantId: 'acme',
        vapiCredentialId: 'cred-1',
        provider: 'vonage',
        label: 'Main Vonage',
        fingerprint: 'scrypt1$salt$hash',
        verifiedAt: at,
        createdBy: 'uid-1',
        createdAt: at,
        updatedAt: at,
      },
      { id: 'vcr_0123456789abcdee', tenantId: 'acme', vapiCredentialId: 'cred-2', provider: 'byo-sip-trunk', createdBy: 'uid-1', createdAt: at, updatedAt: at },
    ],
    required: ['id', 'tenantId', 'vapiCredentialId', 'provider', 'createdBy', 'createdAt', 'updatedAt'],
  },
  {
    name: 'providerAccounts',
    parse: parseProviderAccount,
    written: [
      {
        id: 'acc_0123456789abcdef',
        tenantId: 'acme',
        provider: 'twilio',
        label: 'Main',
        secretName: 'tenant-acme-twilio-acc_0123456789abcdef',
        secretVersion: 'projects/p/secrets/s/versions/2',
        accountKey: 'b'.repeat(40),
        credentialsPreview: { accountSid: '…1234', authToken: '***masked***' },
        isDefault: true,
        verifiedAt: later,
        createdBy: 'uid-1',
        credentialsRotatedAt: later,
        createdAt: at,
        updatedAt: later,
      },
      {
        // Added before accounts had a key and a secret version.
        id: 'acc_0123456789abcdee',
        tenantId: 'acme',
        provider: 'plivo',
        secretName: 'tenant-acme-plivo-acc_0123456789abcdee',
        credentialsPreview: { authId: '…5678', authToken: '***masked***' },
        isDefault: false,
        verifiedAt: at,
        createdBy: 'uid-1',
        createdAt: at,
        updatedAt: at,
      },
    ],
    required: ['id', 'tenantId', 'provider', 'secretName', 'credentialsPreview', 'isDefault', 'verifiedAt', 'createdBy', 'createdAt', 'updatedAt'],
  },
];

const without = (doc: Doc, key: string): Doc => Object.fromEntries(Object.entries(doc).filter(([k]) => k !== key));
/** A value of another type than the one written. */
const mistyped = (value: unknown): unknown => (typeof value === 'number' ? 'not a number' : 12345);

describe.each(cases)('stored $name', ({ parse, written, required, untyped = [] }) => {
  const full = written[0]!;

  it('reads every document the code writes, as written', () => {
    for (const doc of written) expect(parse(structuredClone(doc))).toEqual(doc);
  });

  it('keeps a field it does not know', () => {
    for (const doc of written) expect(parse({ ...doc, addedLater: { by: 'a newer version' } })).toEqual({ ...doc, addedLater: { by: 'a newer version' } });
  });

  it('rejects a document without one of its required fields', () => {
    for (const key of required) expect(() => parse(without(full, key)), key).toThrow();
  });

  it('rejects a field of the wrong type (each field it knows is checked)', () => {
    for (const key of Object.keys(full).filter((k) => !untyped.includes(k))) {
      expect(() => parse({ ...full, [key]: mistyped(full[key]) }), key).toThrow();
    }
  });

  it('rejects what is not a document', () => {
    for (const data of [undefined, null, 'text', []]) expect(() => parse(data)).toThrow();
  });
});

describe('nested stored values are checked too', () => {
  it('rejects a transfer item with an unknown status and a history entry without its time', () => {
    const transfer = cases.find((c) => c.name === 'respOrgTransfers')!.written[0]!;
    const items = transfer.items as Doc[];
    expect(() => parseTransfer({ ...transfer, items: [{ ...items[0], status: 'lost' }] })).toThrow();
    expect(() => parseTransfer({ ...transfer, history: [{ status: 'submitted', source: 'request' }] })).toThrow();
  });

  it('rejects a requirement value of an unknown kind and a job with partial final counts', () => {
    const group = cases.find((c) => c.name === 'requirementGroups')!.written[0]!;
    expect(() => parseRequirementGroup({ ...group, values: { 'req-c': { kind: 'photo', value: 'x', submittedAt: at } } })).toThrow();
    const job = cases.find((c) => c.name === 'jobs')!.written[0]!;
    expect(() => parseJob({ ...job, finalCounts: { succeeded: 1 } })).toThrow();
  });

  it('rejects a request whose registry operation is not one the client makes', () => {
    const request = cases.find((c) => c.name === 'tollfreeRequests')!.written[0]!;
    expect(() => parseTollFreeRequest({ ...request, somos: { path: '/p', reqId: 'r', operation: 'teleport' } })).toThrow();
  });
});

describe('a stored document that does not match its schema', () => {
  let lines: Doc[];
  let restore: () => void;
  beforeEach(() => {
    lines = [];
    restore = setLogSink((line) => lines.push(JSON.parse(line) as Doc));
  });
  afterEach(() => restore());

  const SECRET = 'do-not-leak-0xC0FFEE';
  const bad = { id: 'loc_bad', tenantId: 'acme', name: 42, address: SECRET, createdAt: at, updatedAt: at };

  it('is a plain 500 INTERNAL, logged with its collection and id only', () => {
    let thrown: unknown;
    try {
      readStored(parseLocation, bad, { collection: 'locations', id: 'loc_bad' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const error = thrown as AppError;
    expect(error.status).toBe(500);
    expect(error.code).toBe('INTERNAL');
    expect(error.details).toBeUndefined();
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(SECRET);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ severity: 'ERROR', collection: 'locations', id: 'loc_bad' });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it('fails every read of a tenant collection (get, list, update, delete), never taken as it is', async () => {
    const fakeSnap = { exists: true, id: 'loc_bad', data: () => structuredClone(bad) };
    const fake = {
      doc: () => ({ get: () => Promise.resolve(fakeSnap) }),
      collection: () => {
        const query = {
          where: () => query,
          orderBy: () => query,
          limit: () => query,
          count: () => ({ get: () => Promise.resolve({ data: () => ({ count: 1 }) }) }),
          get: () => Promise.resolve({ docs: [fakeSnap] }),
        };
        return query;
      },
      runTransaction: <T>(fn: (tx: { get: () => Promise<typeof fakeSnap> }) => Promise<T>) => fn({ get: () => Promise.resolve(fakeSnap) }),
    };
    const db = () => Promise.resolve(fake as unknown as Firestore);
    const locations = createTenantCollection(db, { collection: 'locations', idPrefix: 'loc', resource: 'locations', label: 'Location', parse: parseLocation });
    const audit: AuditContext = { actor: { type: 'system', name: 'test' }, requestId: 'r-1' };
    const reads: Promise<unknown>[] = [
      locations.get('acme', 'loc_bad'),
      locations.list('acme', 10),
      locations.update('acme', 'loc_bad', audit, 'locations.update', (current) => current),
      locations.delete('acme', 'loc_bad', audit, 'locations.delete'),
    ];
    for (const read of reads) await expect(read).rejects.toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(lines.map((l) => [l.collection, l.id])).toEqual(Array.from({ length: 4 }, () => ['locations', 'loc_bad']));
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });
});
