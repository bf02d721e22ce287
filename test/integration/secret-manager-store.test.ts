/**
 * The real SecretManagerStore, with the real @google-cloud/secret-manager client in
 * REST fallback mode, against a local fake of the Secret Manager REST surface.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// google-auth-library comes with the Google clients (via google-gax): an AuthClient
// that adds no credentials, so no Google account or metadata server is needed.
import { PassThroughClient } from 'google-auth-library';
import { setLogSink } from '../../shared/log.js';
import { SecretManagerStore } from '../../shared/secrets/secret-manager-store.js';
import { InvalidSecretError, SecretNotFoundError } from '../../shared/secrets/secret-store.js';
import { startFakeSecretManager, type FakeSecretManager } from '../helpers/fake-secret-manager.js';

const PROJECT = 'fake-project';
let fake: FakeSecretManager;
let store: SecretManagerStore;
const logLines: string[] = [];
let restoreSink: () => void;

beforeAll(async () => {
  restoreSink = setLogSink((line) => logLines.push(line));
  fake = await startFakeSecretManager();
  store = new SecretManagerStore({
    projectId: PROJECT,
    clientOptions: {
      apiEndpoint: '127.0.0.1',
      port: fake.port,
      protocol: 'http',
      fallback: true,
      authClient: new PassThroughClient(),
    },
  });
});

afterAll(async () => {
  await store?.close();
  await fake?.close();
  restoreSink?.();
});

describe('SecretManagerStore (real client, REST fallback) against a fake Secret Manager', () => {
  it('put → access → put again (latest wins) → delete → access throws SecretNotFoundError', async () => {
    const first = await store.put('twilio-auth-token_acct1', 's3cr3t-one', { provider: 'twilio', tenant: 'acct1' });
    expect(first).toBe(`projects/${PROJECT}/secrets/twilio-auth-token_acct1/versions/1`);

    // The exact requests the client sent.
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === `/v1/projects/${PROJECT}/secrets`);
    expect(create?.query.get('secretId')).toBe('twilio-auth-token_acct1');
    expect(create?.body).toMatchObject({ replication: { automatic: {} }, labels: { provider: 'twilio', tenant: 'acct1' } });
    const add = fake.requests.find((r) => r.path.endsWith(':addVersion'));
    expect(add?.path).toBe(`/v1/projects/${PROJECT}/secrets/twilio-auth-token_acct1:addVersion`);
    const payload = (add?.body as { payload: { data: string; dataCrc32c: string } }).payload;
    expect(Buffer.from(payload.data, 'base64').toString('utf8')).toBe('s3cr3t-one');
    expect(payload.dataCrc32c).toMatch(/^\d+$/);

    expect(await store.access('twilio-auth-token_acct1')).toBe('s3cr3t-one');
    const access = fake.requests.find((r) => r.method === 'GET');
    expect(access?.path).toBe(`/v1/projects/${PROJECT}/secrets/twilio-auth-token_acct1/versions/latest:access`);

    // Second put: the secret exists (409 ALREADY_EXISTS is absorbed), a new version is added.
    const second = await store.put('twilio-auth-token_acct1', 'ünïcødé-two ✓');
    expect(second).toBe(`projects/${PROJECT}/secrets/twilio-auth-token_acct1/versions/2`);
    expect(await store.access('twilio-auth-token_acct1')).toBe('ünïcødé-two ✓');
    // Labels given at creation are kept.
    expect(fake.secrets.get(`${PROJECT}/twilio-auth-token_acct1`)?.labels).toEqual({ provider: 'twilio', tenant: 'acct1' });

    await store.delete('twilio-auth-token_acct1');
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/projects/${PROJECT}/secrets/twilio-auth-token_acct1` });
    await expect(store.access('twilio-auth-token_acct1')).rejects.toBeInstanceOf(SecretNotFoundError);
    // Deleting again is not an error.
    await expect(store.delete('twilio-auth-token_acct1')).resolves.toBeUndefined();
  });

  it('prunes all but the newest versions (the real client’s list + destroy calls)', async () => {
    for (const value of ['v1', 'v2', 'v3', 'v4', 'v5']) await store.put('pruned-state', value);
    expect(await store.pruneVersions('pruned-state', 2)).toBe(3);
    expect(await store.access('pruned-state')).toBe('v5');
    const destroyed = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith(':destroy')).map((r) => r.path.split('/').pop());
    expect(destroyed.sort()).toEqual(['1:destroy', '2:destroy', '3:destroy']);
    expect(await store.pruneVersions('pruned-state', 2)).toBe(0);
  });

  it('disables versions for a rotation: latest is the newest enabled one; older ones go once the new one works', async () => {
    const v1 = await store.put('rotated-credentials', 'old');
    const v2 = await store.put('rotated-credentials', 'new');
    // A new version that did not work is disabled: the old one is read again.
    await store.disableVersion('rotated-credentials', v2);
    expect(await store.access('rotated-credentials')).toBe('old');
    const v3 = await store.put('rotated-credentials', 'newer');
    const v4 = await store.put('rotated-credentials', 'newest (added meanwhile)');
    // The versions before v3 are disabled; v4, added after it, is left alone.
    expect(await store.disableVersionsBefore('rotated-credentials', v3)).toBe(1);
    const disabled = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith(':disable')).map((r) => r.path.split('/').pop());
    expect(disabled).toEqual(['2:disable', '1:disable']);
    expect(fake.secrets.get(`${PROJECT}/rotated-credentials`)?.versions.map((v) => v.state ?? 'ENABLED')).toEqual(['DISABLED', 'DISABLED', 'ENABLED', 'ENABLED']);
    expect(await store.access('rotated-credentials')).toBe('newest (added meanwhile)');
    // Disabling again (or a destroyed version) is no error.
    await expect(store.disableVersion('rotated-credentials', v1)).resolves.toBeUndefined();
    expect(v4).toMatch(/versions\/4$/);
  });

  it('access of a secret that never existed throws SecretNotFoundError', async () => {
    const err = await store.access('never-created').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretNotFoundError);
    expect((err as SecretNotFoundError).secretName).toBe('never-created');
  });

  it('a secret created without versions is not found (no latest version)', async () => {
    fake.secrets.set(`${PROJECT}/empty`, { labels: {}, replication: { automatic: {} }, createTime: '', versions: [] });
    await expect(store.access('empty')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('rejects invalid secret ids before any request', async () => {
    const before = fake.requests.length;
    for (const bad of ['', 'has space', 'dots.not.allowed', 'slash/inside', 'x'.repeat(256)]) {
      await expect(store.put(bad, 'v')).rejects.toBeInstanceOf(InvalidSecretError);
      await expect(store.access(bad)).rejects.toThrow(/invalid secret id/);
      await expect(store.delete(bad)).rejects.toThrow(/invalid secret id/);
    }
    await expect(store.put('ok', 'v', { 'Bad-Key': 'x' })).rejects.toThrow(/invalid label key/);
    await expect(store.put('ok', 'x'.repeat(64 * 1024 + 1))).rejects.toThrow(/payload/);
    expect(fake.requests.length).toBe(before);
  });

  it('never logs payloads', async () => {
    await store.put('log-check', 'do-not-log-this-value');
    await store.access('log-check');
    expect(logLines.join('\n')).not.toContain('do-not-log-this-value');
    expect(logLines.some((l) => l.includes('secret version added'))).toBe(true);
  });

  it('rejects a payload whose CRC32C does not match', async () => {
    fake.faults.badAccessChecksum = true;
    try {
      await expect(store.access('log-check')).rejects.toThrow(/CRC32C/);
    } finally {
      fake.faults.badAccessChecksum = false;
    }
    expect(await store.access('log-check')).toBe('do-not-log-this-value');
  });

  it('other errors propagate with their gRPC code', async () => {
    // Make the fake fail inside its handler → 500 {error:{status:'INTERNAL'}}: not a not-found.
    const get = fake.secrets.get.bind(fake.secrets);
    fake.secrets.get = () => {
      throw new Error('boom');
    };
    try {
      const err = (await store.access('log-check').catch((e: unknown) => e)) as { code?: number };
      expect(err).not.toBeInstanceOf(SecretNotFoundError);
      expect(err.code).toBe(13); // INTERNAL
    } finally {
      fake.secrets.get = get;
    }
  });
});
