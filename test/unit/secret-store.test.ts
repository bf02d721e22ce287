import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import {
  crc32c,
  InvalidSecretError,
  SecretNotFoundError,
  withCache,
  type SecretStore,
} from '../../shared/secrets/secret-store.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'secret-store-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function behavesLikeSecretManager(label: string, make: () => Promise<SecretStore>) {
  describe(`LocalSecretStore (${label})`, () => {
    it('versions, latest wins, not-found, delete is idempotent', async () => {
      const store = await make();
      await expect(store.access('api-key')).rejects.toBeInstanceOf(SecretNotFoundError);
      expect(await store.put('api-key', 'one', { provider: 'telnyx' })).toBe('projects/local/secrets/api-key/versions/1');
      expect(await store.access('api-key')).toBe('one');
      expect(await store.put('api-key', 'two')).toBe('projects/local/secrets/api-key/versions/2');
      expect(await store.access('api-key')).toBe('two');
      await store.delete('api-key');
      await expect(store.access('api-key')).rejects.toBeInstanceOf(SecretNotFoundError);
      await expect(store.delete('api-key')).resolves.toBeUndefined();
      // Re-created secrets start again at version 1, as in Secret Manager.
      expect(await store.put('api-key', 'three')).toBe('projects/local/secrets/api-key/versions/1');
    });

    it('rejects ids, labels and payloads Secret Manager would reject', async () => {
      const store = await make();
      for (const bad of ['', 'a.b', 'a/b', '../etc', 'é', 'x'.repeat(256)]) {
        await expect(store.put(bad, 'v')).rejects.toBeInstanceOf(InvalidSecretError);
        await expect(store.access(bad)).rejects.toBeInstanceOf(InvalidSecretError);
        await expect(store.delete(bad)).rejects.toBeInstanceOf(InvalidSecretError);
      }
      expect(await store.put('x'.repeat(255), 'ok')).toMatch(/versions\/1$/);
      expect(await store.access('x'.repeat(255))).toBe('ok');
      // Case matters, as in Secret Manager (also on case-insensitive file systems).
      await store.put('CaseKey', 'upper');
      await store.put('casekey', 'lower');
      expect(await store.access('CaseKey')).toBe('upper');
      expect(await store.access('casekey')).toBe('lower');
      await expect(store.put('ok', 'v', { UPPER: 'x' })).rejects.toThrow(/label key/);
      await expect(store.put('ok', 'v', { key: 'Has Space' })).rejects.toThrow(/label/);
      await expect(store.put('ok', 'x'.repeat(65_537))).rejects.toThrow(/payload/);
    });

    it('serialises concurrent puts into distinct versions', async () => {
      const store = await make();
      const names = await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('busy', `v${i}`)));
      expect(new Set(names).size).toBe(10);
      expect(names.map((n) => Number(n.split('/').at(-1))).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });
  });
}

behavesLikeSecretManager('memory', async () => new LocalSecretStore());
behavesLikeSecretManager('dir', async () => new LocalSecretStore({ dir: await tempDir() }));

describe('LocalSecretStore.pruneVersions', () => {
  it('destroys all but the newest enabled versions and keeps serving the latest', async () => {
    const store = new LocalSecretStore({ dir: await tempDir() });
    for (const value of ['a', 'b', 'c', 'd']) await store.put('rotating', value);
    expect(await store.pruneVersions('rotating', 1)).toBe(3);
    expect(await store.access('rotating')).toBe('d');
    expect(await store.pruneVersions('rotating', 1)).toBe(0);
    expect(await store.pruneVersions('never-existed', 1)).toBe(0);
  });
});

describe('LocalSecretStore with dir', () => {
  it('persists across instances (a restarted dev stack keeps its secrets), files mode 0600', async () => {
    const dir = join(await tempDir(), 'nested', 'secrets');
    const first = new LocalSecretStore({ dir });
    await first.put('twilio-token', 'persisted', { env: 'dev' });
    await first.put('twilio-token', 'persisted-2');

    const second = new LocalSecretStore({ dir });
    expect(await second.access('twilio-token')).toBe('persisted-2');
    expect(await second.put('twilio-token', 'persisted-3')).toMatch(/versions\/3$/);

    expect(await readdir(dir)).toEqual(['twilio-token.json']);
    const file = join(dir, 'twilio-token.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const json = JSON.parse(await readFile(file, 'utf8')) as { labels: unknown; versions: unknown[] };
    expect(json.labels).toEqual({ env: 'dev' });
    expect(json.versions).toHaveLength(3);

    await second.delete('twilio-token');
    expect(await readdir(dir)).toEqual([]);
    await expect(first.access('twilio-token')).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('memory stores are independent', async () => {
    const a = new LocalSecretStore();
    await a.put('only-a', 'x');
    await expect(new LocalSecretStore().access('only-a')).rejects.toBeInstanceOf(SecretNotFoundError);
  });
});

describe('withCache', () => {
  function counting(inner: SecretStore) {
    const access = vi.fn((name: string) => inner.access(name));
    const store: SecretStore = { access, put: (n, v, l) => inner.put(n, v, l), delete: (n) => inner.delete(n) };
    return { store, access };
  }

  it('serves access() from cache within the TTL and refetches after it', async () => {
    let now = 1_000;
    const inner = new LocalSecretStore();
    await inner.put('k', 'v1');
    const { store, access } = counting(inner);
    const cached = withCache(store, 30_000, () => now);

    expect(await cached.access('k')).toBe('v1');
    await inner.put('k', 'v2'); // changed behind the cache's back
    now += 29_999;
    expect(await cached.access('k')).toBe('v1');
    expect(access).toHaveBeenCalledTimes(1);
    now += 1;
    expect(await cached.access('k')).toBe('v2');
    expect(access).toHaveBeenCalledTimes(2);
  });

  it('defaults to a 30 s TTL', async () => {
    let now = 0;
    const inner = new LocalSecretStore();
    await inner.put('k', 'v');
    const { store, access } = counting(inner);
    const cached = withCache(store, undefined, () => now);
    await cached.access('k');
    now = 29_000;
    await cached.access('k');
    expect(access).toHaveBeenCalledTimes(1);
    now = 30_001;
    await cached.access('k');
    expect(access).toHaveBeenCalledTimes(2);
  });

  it('put and delete through the cache invalidate the entry', async () => {
    const now = 0;
    const { store, access } = counting(new LocalSecretStore());
    const cached = withCache(store, 60_000, () => now);
    await cached.put('k', 'v1');
    expect(await cached.access('k')).toBe('v1');
    await cached.put('k', 'v2');
    expect(await cached.access('k')).toBe('v2');
    await cached.delete('k');
    await expect(cached.access('k')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(access).toHaveBeenCalledTimes(3);
  });

  it('does not cache not-found, and coalesces concurrent reads', async () => {
    const inner = new LocalSecretStore();
    const { store, access } = counting(inner);
    const cached = withCache(store, 60_000, () => 0);
    await expect(cached.access('missing')).rejects.toBeInstanceOf(SecretNotFoundError);
    await inner.put('missing', 'now-here');
    expect(await cached.access('missing')).toBe('now-here');

    access.mockClear();
    await inner.put('hot', 'x');
    const values = await Promise.all(Array.from({ length: 5 }, () => cached.access('hot')));
    expect(values).toEqual(['x', 'x', 'x', 'x', 'x']);
    expect(access).toHaveBeenCalledTimes(1);
  });

  it('a read that started before a put is not cached after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inner = new LocalSecretStore();
    await inner.put('k', 'old');
    const slow: SecretStore = {
      access: async (n) => {
        const v = await inner.access(n);
        await gate;
        return v;
      },
      put: (n, v) => inner.put(n, v),
      delete: (n) => inner.delete(n),
    };
    const cached = withCache(slow, 60_000, () => 0);
    const stale = cached.access('k');
    await cached.put('k', 'new');
    release();
    expect(await stale).toBe('old');
    expect(await cached.access('k')).toBe('new');
  });
});

describe('crc32c', () => {
  it('matches the Castagnoli check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array())).toBe(0);
  });
});
