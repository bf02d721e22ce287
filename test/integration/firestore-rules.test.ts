import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, setDoc, updateDoc } from 'firebase/firestore';
import { emulatorEnv } from '../helpers/env.js';

// The rules matrix: every collection × every kind of caller × every operation, on the emulator
// with the project's real firestore.rules.
let env: RulesTestEnvironment;

const memberRead = ['numbers', 'locations', 'agents', 'requirementGroups', 'tollfreeNumbers', 'jobs'];
const adminRead = ['providerAccounts', 'vapiCredentials', 'audit', 'reconciliationFindings'];
const serverOnly = ['numberClaims', 'idempotencyKeys'];
const topLevelServerOnly = ['webhookEvents/evt_1', 'platform/somosTokenLease', 'platform/reconciliation/findings/f1', 'numberOwners/twilio:%2B14155550100', 'tollfreeOwners/8335550100', 'providerAccountOwners/0123456789abcdef0123456789abcdef01234567'];

beforeAll(async () => {
  const { firestoreHost } = emulatorEnv();
  const [host, port] = firestoreHost.split(':');
  env = await initializeTestEnvironment({
    projectId: 'demo-rules',
    firestore: { host: host!, port: Number(port), rules: await readFile(new URL('../../firestore.rules', import.meta.url), 'utf8') },
  });
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    for (const tenant of ['acme', 'other']) {
      await setDoc(doc(db, `tenants/${tenant}`), { id: tenant });
      for (const c of [...memberRead, ...adminRead, ...serverOnly]) await setDoc(doc(db, `tenants/${tenant}/${c}/d1`), { tenantId: tenant, status: 'active' });
      await setDoc(doc(db, `tenants/${tenant}/jobs/d1/items/it_00000`), { state: 'queued' });
    }
    for (const path of topLevelServerOnly) await setDoc(doc(db, path), { x: 1 });
  });
});
afterAll(async () => {
  await env?.cleanup();
});

const callers = {
  unauthenticated: () => env.unauthenticatedContext(),
  member: () => env.authenticatedContext('u-member', { tenantId: 'acme', role: 'member' }),
  admin: () => env.authenticatedContext('u-admin', { tenantId: 'acme', role: 'admin' }),
  otherTenantAdmin: () => env.authenticatedContext('u-other', { tenantId: 'other', role: 'admin' }),
  forgedRole: () => env.authenticatedContext('u-forged', { tenantId: 'acme', role: 'owner' }),
  forgedTenantList: () => env.authenticatedContext('u-forged2', { tenantId: ['acme'], role: 'admin' }),
  noClaims: () => env.authenticatedContext('u-plain'),
};
type CallerName = keyof typeof callers;
const canRead = (collectionName: string, caller: CallerName) =>
  (memberRead.includes(collectionName) && (caller === 'member' || caller === 'admin')) || (adminRead.includes(collectionName) && caller === 'admin');

describe.each(Object.keys(callers) as CallerName[])('%s', (caller) => {
  const db = () => callers[caller]().firestore();

  it.each([...memberRead, ...adminRead, ...serverOnly])('reads tenants/acme/%s only when allowed (get and list)', async (name) => {
    const expectation = canRead(name, caller) ? assertSucceeds : assertFails;
    await expectation(getDoc(doc(db(), `tenants/acme/${name}/d1`)));
    await expectation(getDocs(collection(db(), `tenants/acme/${name}`)));
  });

  it.each([...memberRead, ...adminRead, ...serverOnly])('never writes tenants/acme/%s (create, update, delete)', async (name) => {
    await assertFails(setDoc(doc(db(), `tenants/acme/${name}/new`), { status: 'active', tenantId: 'acme' }));
    await assertFails(updateDoc(doc(db(), `tenants/acme/${name}/d1`), { status: 'released' }));
    await assertFails(deleteDoc(doc(db(), `tenants/acme/${name}/d1`)));
  });

  it('reads job items like jobs, never writes them', async () => {
    const expectation = canRead('jobs', caller) ? assertSucceeds : assertFails;
    await expectation(getDoc(doc(db(), 'tenants/acme/jobs/d1/items/it_00000')));
    await assertFails(updateDoc(doc(db(), 'tenants/acme/jobs/d1/items/it_00000'), { state: 'succeeded' }));
  });

  it('sees nothing of another tenant', async () => {
    for (const name of [...memberRead, ...adminRead]) {
      if (caller === 'otherTenantAdmin') continue; // that is their own tenant
      await assertFails(getDoc(doc(db(), `tenants/other/${name}/d1`)));
    }
  });

  it('reads its tenant document only as a member, and never lists tenants', async () => {
    await (caller === 'member' || caller === 'admin' ? assertSucceeds : assertFails)(getDoc(doc(db(), 'tenants/acme')));
    await assertFails(getDocs(collection(db(), 'tenants')));
    await assertFails(setDoc(doc(db(), 'tenants/acme'), { id: 'acme', plan: 'free' }));
  });

  it.each(topLevelServerOnly)('cannot touch server-only %s', async (path) => {
    await assertFails(getDoc(doc(db(), path)));
    await assertFails(setDoc(doc(db(), path), { y: 2 }));
  });
});

describe('rules file', () => {
  it('has no path that grants writes', async () => {
    const rules = await readFile(new URL('../../firestore.rules', import.meta.url), 'utf8');
    expect(rules).not.toMatch(/allow[^;]*write[^;]*:\s*if\s+(?!false)/);
    expect(rules).not.toMatch(/allow\s+(create|update|delete)/);
  });
});
