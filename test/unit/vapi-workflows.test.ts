/**
 * The Vapi module's workflows (modules/vapi/services/import.ts) on the in-memory Firestore, the real
 * numbers repository and a fake Vapi org: a credential is kept as Vapi's reference (never its
 * secrets), an import counts against the tenant's held numbers, and a number is imported by one
 * tenant only.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import { usagePath } from '../../shared/domain/limits.js';
import type { Deps } from '../../shared/deps.js';
import { createLogger } from '../../shared/log.js';
import type { NumberProvider } from '../../shared/providers/types.js';
import type { TaskQueue } from '../../shared/queue/task-queue.js';
import { paths } from '../../shared/store/firestore.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { createVapiCredential, deleteVapiCredential, importVapiNumber, vapiCredentials, type VapiImportInput } from '../../modules/vapi/services/import.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';

const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
const A = 'tenant-a';
const B = 'tenant-b';
const SIP_PASSWORD = 'sip-password-never-stored-9f3a';

/** The platform's Vapi org: credentials and phone numbers it was asked to create. */
function vapiOrg() {
  const calls: string[] = [];
  let seq = 0;
  const client = {
    async createCredential(input: { provider: string }) {
      calls.push(`createCredential ${input.provider}`);
      return { id: `vcred-${++seq}`, provider: input.provider, createdAt: '2026-03-01T00:00:00.000Z' };
    },
    async deleteCredential(id: string) {
      calls.push(`deleteCredential ${id}`);
      return true;
    },
    async createPhoneNumber(input: { provider: string; number?: string }) {
      calls.push(`createPhoneNumber ${input.number ?? ''}`);
      return { id: `vnum-${++seq}`, provider: input.provider, number: input.number, createdAt: '2026-03-01T00:00:00.000Z' };
    },
    async findPhoneNumber() {
      return undefined;
    },
    async deletePhoneNumber() {
      return true;
    },
  };
  return { client, calls };
}

function arrange(env: Record<string, string> = {}) {
  const mem = memoryFirestore();
  const db = async () => mem.firestore;
  const org = vapiOrg();
  // Only what the import calls of the Vapi provider: its client.
  const provider: unknown = { client: org.client };
  const queue: TaskQueue = { enqueue: async (task) => ({ name: task.id ?? 'task', deduplicated: false }) };
  const deps = {
    db,
    numbers: createNumbersStore(db),
    providers: { forAccount: async () => provider as NumberProvider } as Pick<Deps['providers'], 'forAccount'> as Deps['providers'],
    tasks: queue,
    now: () => new Date('2026-03-01T09:00:00.000Z'),
    log: createLogger(),
    config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test', ...env }),
  };
  const importNumber = (tenantId: string, number: string) =>
    importVapiNumber(deps)(
      { tenantId, uid: 'u1', source: { type: 'twilio', number, twilioAccountSid: `AC${'1'.repeat(32)}`, twilioAuthToken: 'tw-token' }, audit } satisfies VapiImportInput,
      deps.log,
    );
  const heldNumbers = (tenantId: string) => (mem.read(usagePath(tenantId))?.heldNumbers as number | undefined) ?? 0;
  /** The tenant's documents, each serialised (what Firestore would hold). */
  const allUnder = (tenantId: string) =>
    ['vapiCredentials', 'numbers', 'numberClaims', 'audit'].flatMap((c) => mem.list(`tenants/${tenantId}/${c}`)).map((p) => JSON.stringify(mem.read(p)));
  return { mem, deps, org, importNumber, heldNumbers, allUnder };
}

describe('Vapi credentials and imports (in memory)', () => {
  it('keeps a credential as Vapi’s reference: its id, provider and label, never the secrets', async () => {
    const { deps, org, allUnder, mem } = arrange();

    const record = await createVapiCredential(deps)(
      {
        tenantId: A,
        uid: 'u1',
        fields: { provider: 'byo-sip-trunk', gateways: [{ ip: '203.0.113.10', port: 5060 }], authUsername: 'trunk-user', authPassword: SIP_PASSWORD },
        label: 'Main trunk',
        audit,
        issuePath: 'body',
      },
      deps.log,
    );

    expect(org.calls).toEqual(['createCredential byo-sip-trunk']);
    expect(mem.read(`tenants/${A}/vapiCredentials/${record.id}`)).toMatchObject({ vapiCredentialId: 'vcred-1', provider: 'byo-sip-trunk', label: 'Main trunk', fingerprint: expect.stringMatching(/^scrypt1\$/) });
    const stored = allUnder(A);
    expect(stored.length).toBeGreaterThanOrEqual(2); // the credential and its audit entry
    for (const doc of stored) expect(doc).not.toContain(SIP_PASSWORD);
    expect((await vapiCredentials(deps.db).list(B, 10)).items).toEqual([]); // another tenant sees none
  });

  it('deletes a credential no number uses, at Vapi and here; refuses one a number uses (409) before an unknown one (404)', async () => {
    const { deps, org, mem, importNumber } = arrange();
    const credential = (label: string) =>
      createVapiCredential(deps)({ tenantId: A, uid: 'u1', fields: { provider: 'byo-sip-trunk', gateways: [{ ip: '203.0.113.10', port: 5060 }] }, label, audit, issuePath: 'body' }, deps.log);
    const used = await credential('Used');
    const free = await credential('Free');
    /** A held number that names `credentialId` as its Vapi credential. */
    const usingCredential = async (number: string, credentialId: string) => {
      const path = `${paths.numbers(A)}/${(await importNumber(A, number)).id}`;
      mem.write(path, { ...mem.read(path), vapiCredentialId: credentialId });
      return path.split('/').at(-1)!;
    };
    const user = await usingCredential('+14155550111', used.id);
    await usingCredential('+14155550112', 'vcr_gone000000000000');
    org.calls.length = 0;

    const inUse = await refusal(deleteVapiCredential(deps)(A, used.id, audit));
    const staleReference = await refusal(deleteVapiCredential(deps)(A, 'vcr_gone000000000000', audit));
    const unknown = await refusal(deleteVapiCredential(deps)(A, 'vcr_none000000000000', audit));
    await deleteVapiCredential(deps)(A, free.id, audit);

    expect(inUse).toMatchObject({ code: 'CONFLICT', details: { numberId: user } });
    expect(staleReference.code).toBe('CONFLICT');
    expect(unknown.code).toBe('NOT_FOUND');
    expect(org.calls).toEqual([`deleteCredential ${free.vapiCredentialId}`]);
    expect(mem.read(`tenants/${A}/vapiCredentials/${used.id}`)).toBeDefined();
    expect(mem.read(`tenants/${A}/vapiCredentials/${free.id}`)).toBeUndefined();
  });

  it('counts an import against the tenant’s held numbers, and refuses one over the limit before asking Vapi', async () => {
    const { importNumber, heldNumbers, org } = arrange({ LIMIT_NUMBERS_HELD: '1' });

    const first = await importNumber(A, '+14155550101');
    const over = await refusal(importNumber(A, '+14155550102'));

    expect(first).toMatchObject({ tenantId: A, provider: 'vapi', status: 'active', providerNumberId: expect.stringMatching(/^vnum-/), countedAs: 'import' });
    expect(over).toMatchObject({ code: 'PAYMENT_REQUIRED', details: { limit: 'numbersHeld', max: 1 } });
    expect(heldNumbers(A)).toBe(1);
    expect(org.calls).toEqual(['createPhoneNumber +14155550101']);
  });

  it('refuses a second tenant importing a number another tenant imported (one tenant per number)', async () => {
    const { importNumber, mem, org, heldNumbers } = arrange();
    const first = await importNumber(A, '+14155550103');

    const second = await refusal(importNumber(B, '+14155550103'));

    expect(second).toMatchObject({ code: 'CONFLICT', details: { reason: 'not_available' } });
    expect(mem.read(paths.numberOwner('vapi', '+14155550103'))).toMatchObject({ tenantId: A, numberId: first.id });
    expect(mem.list(paths.numbers(B))).toEqual([]);
    expect(heldNumbers(B)).toBe(0);
    expect(org.calls).toEqual(['createPhoneNumber +14155550103']);
  });
});
