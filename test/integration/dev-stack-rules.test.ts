import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emulatorEnv } from '../helpers/env.js';
import { testFirestore } from '../helpers/firestore.js';
import { startStack, type Stack } from '../../scripts/local/stack.js';

// The Firestore emulators the tests and `npm start` run enforce firestore.rules: a client SDK request
// (the REST API without the admin "owner" credential) is checked, while the server SDK the functions use
// bypasses the rules, as deployed. Without --rules the emulator lets anyone read and write everything.

/** What the Firebase client SDK sends to the emulator for a signed-in user: an unsigned ID token. */
function clientToken(projectId: string, claims: Record<string, unknown>): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const uid = 'u-client';
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    sub: uid,
    user_id: uid,
    iat: now,
    exp: now + 3600,
    auth_time: now,
    firebase: { sign_in_provider: 'custom', identities: {} },
    ...claims,
  })}.`;
}

/** Reads and writes through the emulator's REST API as a client would (optionally signed in). */
function client(host: string, projectId: string, token?: string) {
  const base = `http://${host}/v1/projects/${projectId}/databases/(default)/documents`;
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  return {
    get: async (docPath: string) => (await fetch(`${base}/${docPath}`, { headers })).status,
    list: async (collection: string) => (await fetch(`${base}/${collection}`, { headers })).status,
    create: async (collection: string, id: string) =>
      (await fetch(`${base}/${collection}?documentId=${id}`, { method: 'POST', headers, body: JSON.stringify({ fields: { status: { stringValue: 'active' } } }) })).status,
    patch: async (docPath: string) =>
      (await fetch(`${base}/${docPath}?updateMask.fieldPaths=status`, { method: 'PATCH', headers, body: JSON.stringify({ fields: { status: { stringValue: 'released' } } }) })).status,
    remove: async (docPath: string) => (await fetch(`${base}/${docPath}`, { method: 'DELETE', headers })).status,
  };
}

/** Seeds through the admin SDK, then checks a client's view: denied unless the rules grant it. */
async function expectRulesEnforced(host: string, projectId: string): Promise<void> {
  const admin = testFirestore(projectId, host);
  try {
    await admin.doc('tenants/acme').set({ id: 'acme' });
    await admin.doc('tenants/acme/numbers/n1').set({ status: 'active', tenantId: 'acme' });
    await admin.doc('tenants/acme/providerAccounts/a1').set({ provider: 'twilio' });

    const anonymous = client(host, projectId);
    expect(await anonymous.get('tenants/acme')).toBe(403);
    expect(await anonymous.get('tenants/acme/numbers/n1')).toBe(403);
    expect(await anonymous.list('tenants/acme/numbers')).toBe(403);
    expect(await anonymous.create('tenants/acme/numbers', 'forged')).toBe(403);
    expect(await anonymous.patch('tenants/acme/numbers/n1')).toBe(403);
    expect(await anonymous.remove('tenants/acme/numbers/n1')).toBe(403);
    expect(await anonymous.create('tenants', 'evil')).toBe(403);

    // The rules file itself, not a deny-all: a member reads their tenant's numbers, nothing else, and writes nothing.
    const member = client(host, projectId, clientToken(projectId, { tenantId: 'acme', role: 'member' }));
    expect(await member.get('tenants/acme/numbers/n1')).toBe(200);
    expect(await member.get('tenants/acme/providerAccounts/a1')).toBe(403);
    expect(await member.patch('tenants/acme/numbers/n1')).toBe(403);
    const otherTenant = client(host, projectId, clientToken(projectId, { tenantId: 'other', role: 'admin' }));
    expect(await otherTenant.get('tenants/acme/numbers/n1')).toBe(403);

    // The admin SDK (what the functions use) is not bound by the rules.
    await admin.doc('tenants/acme/numbers/n1').update({ status: 'released' });
    expect((await admin.doc('tenants/acme/numbers/n1').get()).get('status')).toBe('released');
    expect((await admin.doc('tenants/evil').get()).exists).toBe(false);
    expect((await admin.doc('tenants/acme/numbers/forged').get()).exists).toBe(false);
  } finally {
    await admin.terminate();
  }
}

describe('Firestore rules on the emulators', () => {
  it('the test run’s emulator (global setup) enforces firestore.rules', async () => {
    await expectRulesEnforced(emulatorEnv().firestoreHost, 'demo-stack-rules-run');
  });

  describe('the emulator `npm start` starts', () => {
    let stack: Stack | undefined;
    const saved = { ...process.env };
    afterAll(async () => {
      await stack?.stop();
      // startStack points the process at its own emulator: give the run's back.
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    });

    it('enforces firestore.rules, while the API (admin SDK) works', async () => {
      const projectId = 'demo-stack-rules-own';
      const { pubsubHost, firestoreHost: runHost } = emulatorEnv();
      for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
      Object.assign(process.env, { LOCAL_RECONCILE_INTERVAL_MINUTES: '0', LOCAL_SOMOS_REFRESH_INTERVAL_MINUTES: '0' });
      // As `npm start` does: no Firestore host given, so the stack starts its own emulator.
      stack = await startStack({ port: 0, dataDir: await mkdtemp(path.join(tmpdir(), `${projectId}-`)), projectId, pubsubHost, fresh: true });
      const ownHost = process.env.FIRESTORE_EMULATOR_HOST!;
      expect(ownHost).not.toBe(runHost);
      await expectRulesEnforced(ownHost, projectId);

      // The stack itself wrote its seed through the admin SDK, and its API reads through it.
      const admin = testFirestore(projectId, ownHost);
      expect((await admin.doc('tenants/demo').get()).exists).toBe(true);
      await admin.terminate();
      const res = await fetch(`${stack.url}/v1/numbers`, { headers: { authorization: `Bearer ${await stack.token('demo', 'member')}` } });
      expect(res.status, await res.clone().text()).toBe(200);
    }, 90_000);
  });
});
