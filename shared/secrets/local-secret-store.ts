/**
 * SecretStore for the dev stack and tests, with Secret Manager's semantics
 * (numbered versions, "latest" = newest enabled version, not-found errors, id rules).
 * With `dir`, each secret is one JSON file (mode 0600) so a restarted stack keeps it;
 * without, everything lives in memory.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import {
  assertValidLabels,
  assertValidSecretId,
  assertValidSecretValue,
  SecretNotFoundError,
  versionNumber,
  type SecretStore,
} from './secret-store.js';

export interface LocalSecretStoreOptions {
  /** Directory for one JSON file per secret; omitted: in memory. */
  dir?: string;
  /** Used in the version resource names returned by put(); default 'local'. */
  projectId?: string;
}

interface StoredVersion {
  version: number;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: string;
  value: string;
}
interface StoredSecret {
  name: string;
  labels: Record<string, string>;
  createTime: string;
  versions: StoredVersion[];
}

export class LocalSecretStore implements SecretStore {
  private readonly dir: string | undefined;
  private readonly projectId: string;
  private readonly memory = new Map<string, StoredSecret>();
  /** Per-secret promise chain: read-modify-write of one file is never interleaved. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private dirReady: Promise<void> | undefined;

  constructor(options: LocalSecretStoreOptions = {}) {
    this.dir = options.dir;
    this.projectId = options.projectId ?? 'local';
  }

  async access(name: string): Promise<string> {
    assertValidSecretId(name);
    const secret = await this.load(name);
    const latest = secret?.versions.filter((v) => v.state === 'ENABLED').at(-1);
    if (!latest) throw new SecretNotFoundError(name);
    return latest.value;
  }

  async put(name: string, value: string, labels?: Record<string, string>): Promise<string> {
    assertValidSecretId(name);
    assertValidSecretValue(value);
    assertValidLabels(labels);
    return this.locked(name, async () => {
      const now = new Date().toISOString();
      const secret: StoredSecret = (await this.load(name)) ?? {
        name,
        labels: { ...(labels ?? {}) },
        createTime: now,
        versions: [],
      };
      const version = (secret.versions.at(-1)?.version ?? 0) + 1;
      secret.versions.push({ version, state: 'ENABLED', createTime: now, value });
      await this.save(secret);
      return `projects/${this.projectId}/secrets/${name}/versions/${version}`;
    });
  }

  async pruneVersions(name: string, keep: number): Promise<number> {
    assertValidSecretId(name);
    return this.locked(name, async () => {
      const secret = await this.load(name);
      if (!secret) return 0;
      const enabled = secret.versions.filter((v) => v.state === 'ENABLED');
      const old = enabled.slice(0, Math.max(0, enabled.length - keep));
      for (const version of old) Object.assign(version, { state: 'DESTROYED', value: '' });
      if (old.length) await this.save(secret);
      return old.length;
    });
  }

  async disableVersion(name: string, version: string): Promise<void> {
    assertValidSecretId(name);
    const wanted = versionNumber(version);
    await this.locked(name, async () => {
      const secret = await this.load(name);
      const found = secret?.versions.find((v) => v.version === wanted);
      if (!secret || !found || found.state !== 'ENABLED') return;
      found.state = 'DISABLED';
      await this.save(secret);
    });
  }

  async latestVersion(name: string): Promise<string> {
    assertValidSecretId(name);
    const latest = (await this.load(name))?.versions.filter((v) => v.state === 'ENABLED').at(-1);
    if (!latest) throw new SecretNotFoundError(name);
    return String(latest.version);
  }

  async disableVersionsBefore(name: string, version: string): Promise<number> {
    assertValidSecretId(name);
    const newest = versionNumber(version);
    return this.locked(name, async () => {
      const secret = await this.load(name);
      if (!secret) return 0;
      const old = secret.versions.filter((v) => v.state === 'ENABLED' && v.version < newest);
      for (const v of old) v.state = 'DISABLED';
      if (old.length) await this.save(secret);
      return old.length;
    });
  }

  /** Each version's number and state (tests: what a rotation left enabled). */
  async versions(name: string): Promise<{ version: number; state: string }[]> {
    assertValidSecretId(name);
    return ((await this.load(name))?.versions ?? []).map(({ version, state }) => ({ version, state }));
  }

  async delete(name: string): Promise<void> {
    assertValidSecretId(name);
    await this.locked(name, async () => {
      if (this.dir === undefined) {
        this.memory.delete(name);
        return;
      }
      await rm(this.file(name), { force: true });
    });
  }

  private file(name: string): string {
    // Ids match [A-Za-z0-9_-]+ (no dots, no separators). Long ids (file names stop at 255
    // bytes) and ids with capitals (case-insensitive file systems) get a hash suffix; '~'
    // never occurs in an id, so the two forms cannot collide.
    const plain = name.length <= 200 && !/[A-Z]/.test(name);
    const base = plain ? name : `${name.slice(0, 100)}~${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
    return join(this.dir!, `${base}.json`);
  }

  private async load(name: string): Promise<StoredSecret | undefined> {
    if (this.dir === undefined) {
      const secret = this.memory.get(name);
      return secret ? structuredClone(secret) : undefined;
    }
    let text: string;
    try {
      text = await readFile(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return JSON.parse(text) as StoredSecret;
  }

  private async save(secret: StoredSecret): Promise<void> {
    if (this.dir === undefined) {
      this.memory.set(secret.name, structuredClone(secret));
      return;
    }
    this.dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(
      () => undefined,
      (err: unknown) => {
        this.dirReady = undefined;
        throw err;
      },
    );
    await this.dirReady;
    // Write-then-rename: a crash never leaves a half-written file behind.
    const target = this.file(secret.name);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(secret, null, 2) + '\n', { mode: 0o600 });
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(name, tail);
    void tail.then(() => {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    });
    return next;
  }
}
