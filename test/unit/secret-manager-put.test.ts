/**
 * Issue 14: the functions that renew the Somos token may add versions to provider-somos-token-state
 * (Terraform creates it) but not create secrets. put() adds the version first and creates the secret
 * only when there is none, so such a caller never asks for a creation it would be refused.
 */
import { describe, expect, it } from 'vitest';
import { SecretManagerStore } from '../../shared/secrets/secret-manager-store.js';

const notFound = () => Object.assign(new Error('5 NOT_FOUND: Secret not found'), { code: 5 });
const exists = () => Object.assign(new Error('6 ALREADY_EXISTS'), { code: 6 });

function storeWith(client: Record<string, (req: Record<string, unknown>) => Promise<unknown>>) {
  const calls: string[] = [];
  const recorded = Object.fromEntries(
    Object.entries(client).map(([method, fn]) => [method, async (req: Record<string, unknown>) => (calls.push(`${method} ${String(req.parent ?? req.name)}`), fn(req))]),
  );
  const store = new SecretManagerStore({ projectId: 'acme-prod', logger: { info() {}, warn() {}, error() {}, debug() {}, child: () => ({}) } as never });
  (store as unknown as { clientPromise: Promise<unknown> }).clientPromise = Promise.resolve(recorded);
  return { store, calls };
}

describe('SecretManagerStore.put', () => {
  it('adds a version to an existing secret without asking to create it', async () => {
    const { store, calls } = storeWith({
      createSecret: async () => Promise.reject(Object.assign(new Error('7 PERMISSION_DENIED'), { code: 7 })),
      addSecretVersion: async () => [{ name: 'projects/acme-prod/secrets/provider-somos-token-state/versions/7' }],
    });
    await expect(store.put('provider-somos-token-state', '{"accessToken":"x"}')).resolves.toBe('projects/acme-prod/secrets/provider-somos-token-state/versions/7');
    expect(calls).toEqual(['addSecretVersion projects/acme-prod/secrets/provider-somos-token-state']);
  });

  it('creates a secret that does not exist (with its labels), then adds the version', async () => {
    let created = false;
    const { store, calls } = storeWith({
      createSecret: async (req) => {
        expect(req).toMatchObject({ parent: 'projects/acme-prod', secretId: 'tenant-t1-signing', secret: { labels: { tenant: 't1' } } });
        created = true;
        return [{}];
      },
      addSecretVersion: async () => (created ? [{ name: 'projects/acme-prod/secrets/tenant-t1-signing/versions/1' }] : Promise.reject(notFound())),
    });
    await expect(store.put('tenant-t1-signing', 's3cret', { tenant: 't1' })).resolves.toBe('projects/acme-prod/secrets/tenant-t1-signing/versions/1');
    expect(calls).toEqual(['addSecretVersion projects/acme-prod/secrets/tenant-t1-signing', 'createSecret projects/acme-prod', 'addSecretVersion projects/acme-prod/secrets/tenant-t1-signing']);
  });

  it('takes a secret a concurrent put created meanwhile, and fails on any other error', async () => {
    let tries = 0;
    const racing = storeWith({
      createSecret: async () => Promise.reject(exists()),
      addSecretVersion: async () => (tries++ === 0 ? Promise.reject(notFound()) : [{ name: 'v2' }]),
    });
    await expect(racing.store.put('tenant-t1-signing', 's')).resolves.toBe('v2');
    const unavailable = Object.assign(new Error('14 UNAVAILABLE'), { code: 14 });
    const failing = storeWith({ createSecret: async () => [{}], addSecretVersion: async () => Promise.reject(unavailable) });
    await expect(failing.store.put('tenant-t1-signing', 's')).rejects.toBe(unavailable);
    expect(failing.calls).toEqual(['addSecretVersion projects/acme-prod/secrets/tenant-t1-signing']);
  });
});
