/**
 * SecretStore on Google Secret Manager. The client library is imported lazily on
 * the first call (it costs ~190 ms of cold start). Payloads never reach a log line.
 */
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { createLogger, type Logger } from '../log.js';
import {
  assertValidLabels,
  assertValidSecretId,
  assertValidSecretValue,
  crc32c,
  SecretNotFoundError,
  versionNumber,
  type SecretStore,
} from './secret-store.js';

export type SecretManagerClientOptions = NonNullable<ConstructorParameters<typeof SecretManagerServiceClient>[0]>;

export interface SecretManagerStoreOptions {
  projectId: string;
  /**
   * Passed to SecretManagerServiceClient. Against a local fake of the REST surface:
   * `{ apiEndpoint: '127.0.0.1', port, protocol: 'http', fallback: true, authClient: new PassThroughClient() }`.
   */
  clientOptions?: SecretManagerClientOptions | Record<string, unknown>;
  logger?: Logger;
}

/**
 * Whether a listed version is enabled, its state as either transport gives it: the enum's name over
 * REST, its number (SecretVersion.State.ENABLED = 1) over gRPC. The enum itself is in the client
 * library, which is loaded only on first use.
 */
const isEnabled = (state: unknown): boolean => state === 'ENABLED' || state === 1;

/** gRPC status codes the adapter distinguishes (REST errors carry them too, parsed from `error.status`). */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;

function errorCode(err: unknown): { code?: unknown; httpStatusCode?: unknown } {
  return err && typeof err === 'object' ? err : {};
}
export function isNotFound(err: unknown): boolean {
  const { code, httpStatusCode } = errorCode(err);
  return code === NOT_FOUND || (typeof code !== 'number' && httpStatusCode === 404) || code === 404;
}
export function isAlreadyExists(err: unknown): boolean {
  const { code, httpStatusCode } = errorCode(err);
  return code === ALREADY_EXISTS || (typeof code !== 'number' && httpStatusCode === 409);
}

export class SecretManagerStore implements SecretStore {
  private readonly projectId: string;
  private readonly clientOptions: Record<string, unknown>;
  private readonly log: Logger;
  private clientPromise: Promise<SecretManagerServiceClient> | undefined;

  constructor(options: SecretManagerStoreOptions) {
    if (!options.projectId) throw new Error('SecretManagerStore: projectId is required');
    this.projectId = options.projectId;
    // REST (HTTP/1.1, the library's `fallback`) unless the options say otherwise, as the Firestore client
    // (shared/store/firestore.ts): no gRPC channel at a cold start, and the transport the deploy
    // rehearsal and the integration tests run.
    this.clientOptions = { fallback: true, ...(options.clientOptions ?? {}) };
    this.log = options.logger ?? createLogger({ component: 'secret-manager-store' });
  }

  private client(): Promise<SecretManagerServiceClient> {
    this.clientPromise ??= import('@google-cloud/secret-manager').then(async ({ SecretManagerServiceClient: Client }) => {
      const client = new Client(this.clientOptions as SecretManagerClientOptions);
      // Initialise up front: the client's methods re-throw an initialisation failure
      // (e.g. no credentials) as an unhandled rejection, which would crash the process.
      await client.initialize();
      return client;
    });
    // A failed import/construction is not cached forever.
    this.clientPromise.catch(() => {
      this.clientPromise = undefined;
    });
    return this.clientPromise;
  }

  private secretPath(name: string): string {
    return `projects/${this.projectId}/secrets/${name}`;
  }

  /** The latest enabled version, payload included (SecretNotFoundError when there is none). */
  private async accessLatest(name: string) {
    assertValidSecretId(name);
    const client = await this.client();
    try {
      const [version] = await client.accessSecretVersion({ name: `${this.secretPath(name)}/versions/latest` });
      return version;
    } catch (err) {
      if (isNotFound(err)) throw new SecretNotFoundError(name);
      throw err;
    }
  }

  async access(name: string): Promise<string> {
    const version = await this.accessLatest(name);
    const raw = version.payload?.data;
    if (raw === null || raw === undefined) throw new SecretNotFoundError(name);
    // gRPC and REST both decode bytes to a Buffer; a string would be base64.
    const data = typeof raw === 'string' ? Buffer.from(raw, 'base64') : Buffer.from(raw);
    const expected = version.payload?.dataCrc32c;
    if (expected !== null && expected !== undefined && String(expected) !== String(crc32c(data))) {
      this.log.error('secret payload failed its CRC32C check', { resource: name, version: version.name });
      throw new Error(`secret ${name}: payload corrupted in transit (CRC32C mismatch)`);
    }
    return data.toString('utf8');
  }

  async put(name: string, value: string, labels?: Record<string, string>): Promise<string> {
    assertValidSecretId(name);
    assertValidSecretValue(value);
    assertValidLabels(labels);
    const client = await this.client();
    const data = Buffer.from(value, 'utf8');
    const add = async () =>
      (await client.addSecretVersion({ parent: this.secretPath(name), payload: { data, dataCrc32c: crc32c(data) } }))[0];
    // A version is added to the secret first; the secret is created only when there is none. A caller
    // that may add versions to an existing secret but not create secrets (the Somos token state, which
    // Terraform creates) thus never asks for a creation it would be refused.
    let version;
    try {
      version = await add();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await client.createSecret({
          parent: `projects/${this.projectId}`,
          secretId: name,
          secret: { replication: { automatic: {} }, labels: labels ?? {} },
        });
        this.log.info('secret created', { resource: name });
      } catch (createErr) {
        if (!isAlreadyExists(createErr)) throw createErr; // created meanwhile by a concurrent put
      }
      version = await add();
    }
    if (!version.name) throw new Error(`secret ${name}: addSecretVersion returned no version name`);
    this.log.info('secret version added', { resource: name, version: version.name });
    return version.name;
  }

  async pruneVersions(name: string, keep: number): Promise<number> {
    assertValidSecretId(name);
    const client = await this.client();
    const [versions] = await client.listSecretVersions({ parent: this.secretPath(name), filter: 'state:ENABLED' });
    const newestFirst = versions
      .filter((v) => v.name && isEnabled(v.state))
      .sort((a, b) => Number(b.name!.split('/').pop()) - Number(a.name!.split('/').pop()));
    for (const version of newestFirst.slice(keep)) await client.destroySecretVersion({ name: version.name! });
    return Math.max(0, newestFirst.length - keep);
  }

  async disableVersion(name: string, version: string): Promise<void> {
    assertValidSecretId(name);
    const client = await this.client();
    try {
      await client.disableSecretVersion({ name: `${this.secretPath(name)}/versions/${versionNumber(version)}` });
      this.log.info('secret version disabled', { resource: name, version: versionNumber(version) });
    } catch (err) {
      // Destroyed (or gone with its secret): nothing left to disable. Disabling a disabled version is no error.
      if (!isNotFound(err) && errorCode(err).code !== FAILED_PRECONDITION) throw err;
    }
  }

  /** Through accessSecretVersion (the role the functions hold; versions.get would need another): its name carries the number. */
  async latestVersion(name: string): Promise<string> {
    return String(versionNumber((await this.accessLatest(name)).name ?? ''));
  }

  async disableVersionsBefore(name: string, version: string): Promise<number> {
    assertValidSecretId(name);
    const newest = versionNumber(version);
    const client = await this.client();
    const [versions] = await client.listSecretVersions({ parent: this.secretPath(name), filter: 'state:ENABLED' });
    const older = versions.filter((v) => v.name && isEnabled(v.state) && Number(v.name.split('/').pop()) < newest);
    for (const v of older) await this.disableVersion(name, v.name!);
    return older.length;
  }

  async delete(name: string): Promise<void> {
    assertValidSecretId(name);
    const client = await this.client();
    try {
      await client.deleteSecret({ name: this.secretPath(name) });
      this.log.info('secret deleted', { resource: name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Releases the client's connections (tests, graceful shutdown). */
  async close(): Promise<void> {
    const pending = this.clientPromise;
    this.clientPromise = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    await client?.close();
  }
}
