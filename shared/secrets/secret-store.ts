/**
 * Secret store port. Production: Secret Manager (secret-manager-store.ts);
 * dev stack and tests: LocalSecretStore (local-secret-store.ts). Callers depend
 * on this interface only, usually wrapped in withCache().
 */
export interface SecretStore {
  /** Payload of the latest enabled version; throws SecretNotFoundError when the secret or version is absent. */
  access(name: string): Promise<string>;
  /** Creates the secret when missing (with labels) and adds a new version; returns the version's resource name/id. */
  put(name: string, value: string, labels?: Record<string, string>): Promise<string>;
  /** Deletes the secret and all versions; no error when already gone. */
  delete(name: string): Promise<void>;
  /**
   * Destroys all but the newest `keep` enabled versions (secrets rewritten often, like a token
   * state, would otherwise grow a billed version each time); returns how many were destroyed.
   */
  pruneVersions?(name: string, keep: number): Promise<number>;
  /**
   * Disables one version (`put`'s answer, or its number): `access` reads the newest version still
   * enabled. No error when it is already disabled or destroyed.
   */
  disableVersion?(name: string, version: string): Promise<void>;
  /**
   * Disables the enabled versions older than `version` (a rotation, once the new one works: a newer
   * version added meanwhile is left alone); returns how many were disabled.
   */
  disableVersionsBefore?(name: string, version: string): Promise<number>;
  /** The number of the latest enabled version (metadata only, no payload): tells that a secret changed. */
  latestVersion?(name: string): Promise<string>;
}

/** The number of a version given as put()'s resource name (…/versions/3) or as the number itself. */
export function versionNumber(version: string): number {
  const n = Number(version.split('/').pop());
  if (!Number.isInteger(n) || n < 1) throw new InvalidSecretError(`not a secret version: ${JSON.stringify(version.slice(0, 80))}`);
  return n;
}

export class SecretNotFoundError extends Error {
  constructor(readonly secretName: string) {
    super(`secret ${secretName} not found`);
    this.name = 'SecretNotFoundError';
  }
}

/** Thrown for a secret id, label or payload Secret Manager would reject. */
export class InvalidSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSecretError';
  }
}

/** Secret Manager's rule for secret ids. */
export const SECRET_ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
/** Secret Manager's limit on one version's payload. */
export const MAX_SECRET_PAYLOAD_BYTES = 64 * 1024;

const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

export function assertValidSecretId(name: string): void {
  if (typeof name !== 'string' || !SECRET_ID_PATTERN.test(name)) {
    // The name is echoed: ids are not secret, but keep it short.
    throw new InvalidSecretError(
      `invalid secret id ${JSON.stringify(String(name).slice(0, 80))}: must match [A-Za-z0-9_-]{1,255}`,
    );
  }
}

export function assertValidSecretValue(value: string): void {
  if (typeof value !== 'string') throw new InvalidSecretError('secret value must be a string');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_PAYLOAD_BYTES) {
    throw new InvalidSecretError(`secret payload is ${bytes} bytes; Secret Manager allows ${MAX_SECRET_PAYLOAD_BYTES}`);
  }
}

export function assertValidLabels(labels: Record<string, string> | undefined): void {
  if (!labels) return;
  const entries = Object.entries(labels);
  if (entries.length > 64) throw new InvalidSecretError('at most 64 labels per secret');
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) throw new InvalidSecretError(`invalid label key ${JSON.stringify(key)}`);
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
      throw new InvalidSecretError(`invalid value for label ${JSON.stringify(key)}`);
    }
  }
}

/** CRC32C (Castagnoli), as Secret Manager uses for payload integrity (`dataCrc32c`). */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface CacheEntry {
  value: string;
  expiresAt: number;
}

/** Wraps a store with a short in-memory TTL cache for access() (default 30 s); put/delete invalidate the entry. */
export function withCache(store: SecretStore, ttlMs = 30_000, now: () => number = Date.now): SecretStore {
  const entries = new Map<string, CacheEntry>();
  // Concurrent access() calls for one name share one backend call.
  const inflight = new Map<string, Promise<string>>();
  // Bumped by put/delete so a read that started before them is not cached after them.
  const generation = new Map<string, number>();

  const invalidate = (name: string) => {
    entries.delete(name);
    inflight.delete(name);
    generation.set(name, (generation.get(name) ?? 0) + 1);
  };

  return {
    async access(name) {
      const hit = entries.get(name);
      if (hit && hit.expiresAt > now()) return hit.value;
      if (hit) entries.delete(name);
      const pending = inflight.get(name);
      if (pending) return pending;
      const gen = generation.get(name) ?? 0;
      const read = store.access(name).then(
        (value) => {
          if ((generation.get(name) ?? 0) === gen) {
            if (ttlMs > 0) entries.set(name, { value, expiresAt: now() + ttlMs });
            if (inflight.get(name) === read) inflight.delete(name);
          }
          return value;
        },
        (err: unknown) => {
          if (inflight.get(name) === read) inflight.delete(name);
          throw err;
        },
      );
      inflight.set(name, read);
      return read;
    },
    async put(name, value, labels) {
      invalidate(name);
      try {
        return await store.put(name, value, labels);
      } finally {
        invalidate(name);
      }
    },
    ...(store.pruneVersions ? { pruneVersions: (name: string, keep: number) => store.pruneVersions!(name, keep) } : {}),
    ...(store.disableVersion
      ? {
          async disableVersion(name: string, version: string) {
            invalidate(name);
            try {
              await store.disableVersion!(name, version);
            } finally {
              invalidate(name);
            }
          },
        }
      : {}),
    // Uncached: asked only while Somos logins are paused, to notice new credentials at once.
    ...(store.latestVersion ? { latestVersion: (name: string) => store.latestVersion!(name) } : {}),
    ...(store.disableVersionsBefore
      ? {
          async disableVersionsBefore(name: string, version: string) {
            invalidate(name);
            try {
              return await store.disableVersionsBefore!(name, version);
            } finally {
              invalidate(name);
            }
          },
        }
      : {}),
    async delete(name) {
      invalidate(name);
      try {
        await store.delete(name);
      } finally {
        invalidate(name);
      }
    },
  };
}
