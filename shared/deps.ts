import type { Firestore } from '@google-cloud/firestore';
import path from 'node:path';
import { getConfig, type Config } from './config.js';
import { createTokenVerifier, type TokenVerifier } from './auth/verify-token.js';
import { createTaskVerifier, type TaskVerifier } from './auth/verify-task.js';
import { createPushVerifier } from './auth/verify-push.js';
import { logger, type Logger } from './log.js';
import { traceAttributes, traceHeaders } from './trace.js';
import { getFirestore } from './store/firestore.js';
import type { NumbersStore } from '../modules/numbers/repository.js';
import { numbersStoreMethods } from '../modules/numbers/repository/methods.js';
import { createIdempotencyStore, type IdempotencyStore } from './store/idempotency-store.js';
import { createProviderResolver, type AccountLookup } from './providers/registry.js';
import type { SecretStore } from './secrets/secret-store.js';
import type { TaskQueue } from './queue/task-queue.js';
import type { Publisher } from './queue/publisher.js';
import type { SomosPlatform } from '../modules/tollfree/services/platform.js';
import type { Ports } from './ports.js';

/**
 * Everything an operation may use, wired in this one place. Nothing heavy is
 * loaded until first use, so each deployed function pays only for what it calls.
 */
export interface Deps extends Ports {
  verifyToken: TokenVerifier;
  verifyTask: TaskVerifier;
  /** Pub/Sub pushes to the event functions: the push subscriptions' OIDC token. */
  verifyPush: TaskVerifier;
  numbers: NumbersStore;
  idempotency: IdempotencyStore;
  tasks: TaskQueue;
  publisher: Publisher;
  /** The Somos TFN Registry (token manager, registry client, TSS), built on first use. */
  somos(): Promise<SomosPlatform>;
}

const lazy = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => (value ??= load().catch((err) => {
    value = undefined;
    throw err;
  }));
};

/**
 * A store whose module loads on its first call: an async method per name, each calling the loaded
 * store's own. Every method of T returns a promise (checked), so each stands in for it unchanged.
 */
function lazyStore<T extends { [K in keyof T]: (...args: never[]) => Promise<unknown> }>(names: readonly (keyof T)[], load: () => Promise<T>): T {
  const store: Partial<Record<keyof T, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const name of names) store[name] = async (...args: unknown[]) => ((await load())[name] as unknown as (...a: unknown[]) => Promise<unknown>)(...args);
  return store as unknown as T;
}

/** `cached: false` for readers that must see a new version at once (the Somos token state). */
function lazySecretStore(config: Config, cached = true): SecretStore {
  const load = lazy(async (): Promise<SecretStore> => {
    const { withCache } = await import('./secrets/secret-store.js');
    if (config.PLATFORM_ENV === 'production') {
      const { SecretManagerStore } = await import('./secrets/secret-manager-store.js');
      const store = new SecretManagerStore({ projectId: config.GOOGLE_CLOUD_PROJECT });
      return cached ? withCache(store) : store;
    }
    const { LocalSecretStore } = await import('./secrets/local-secret-store.js');
    const store = new LocalSecretStore({ dir: path.join(config.LOCAL_DATA_DIR, 'secrets') });
    return cached ? withCache(store, 1000) : store;
  });
  return {
    access: async (name) => (await load()).access(name),
    put: async (name, value, labels) => (await load()).put(name, value, labels),
    delete: async (name) => (await load()).delete(name),
    pruneVersions: async (name, keep) => (await load()).pruneVersions?.(name, keep) ?? 0,
    disableVersion: async (name, version) => (await load()).disableVersion?.(name, version),
    disableVersionsBefore: async (name, version) => (await load()).disableVersionsBefore?.(name, version) ?? 0,
  };
}

/**
 * Process-wide registrations of the dev stack, on globalThis: a function's bundle holds its own copy
 * of this module (scripts/build-functions.ts), and the cold-start bench registers from outside it.
 */
const LOCAL = Symbol.for('numbers-platform.local-deps');
const local = ((globalThis as Record<symbol, unknown>)[LOCAL] ??= {}) as { taskQueue?: TaskQueue; somosClock?: () => number };

/** The dev stack registers its in-process dispatcher here (there is no Cloud Tasks emulator). */
export function useLocalTaskQueue(queue: TaskQueue | undefined): void {
  local.taskQueue = queue;
}

function lazyTaskQueue(config: Config): TaskQueue {
  const load = lazy(async (): Promise<TaskQueue> => {
    if (config.PLATFORM_ENV === 'production') {
      const { CloudTasksQueue } = await import('./queue/cloud-tasks-queue.js');
      return new CloudTasksQueue({
        projectId: config.GOOGLE_CLOUD_PROJECT,
        location: config.TASKS_LOCATION,
        serviceAccountEmail: config.TASKS_SERVICE_ACCOUNT!,
      });
    }
    if (!local.taskQueue) throw new Error('No local task queue registered (the dev stack or test must call useLocalTaskQueue)');
    return local.taskQueue;
  });
  // A task enqueued while a request is served continues its trace (header `traceparent`, and the
  // same as X-Cloud-Trace-Context), unless the caller set one.
  return {
    enqueue: async (task) => {
      const carried = task.headers && Object.keys(task.headers).some((name) => name.toLowerCase() === 'traceparent');
      const headers = carried ? task.headers : { ...traceHeaders(), ...task.headers };
      return (await load()).enqueue(headers && Object.keys(headers).length ? { ...task, headers } : task);
    },
  };
}

/**
 * The dev stack shares one clock between its Somos sandbox and the platform's Somos token manager,
 * so a test that moves the sandbox's clock moves ours too (ignored in production).
 */
export function useLocalSomosClock(clock: (() => number) | undefined): void {
  local.somosClock = clock;
}

/**
 * The TFN Registry's time: what toll-free lifecycles (reservations lapsing, disconnects aging) are
 * measured against. In production simply now; in the dev stack the clock it shares with its Somos
 * sandbox, so a test that moves the registry's clock sees reservations lapse here too.
 */
export function registryNow(config: Pick<Config, 'PLATFORM_ENV'>): Date {
  return new Date(config.PLATFORM_ENV !== 'production' && local.somosClock ? local.somosClock() : Date.now());
}

function lazySomos(config: Config, db: () => Promise<Firestore>, log: Logger): () => Promise<SomosPlatform> {
  const secrets = lazySecretStore(config, false); // the token manager keeps its own short cache
  const now = () => (config.PLATFORM_ENV !== 'production' && local.somosClock ? local.somosClock() : Date.now());
  return lazy(async () => (await import('../modules/tollfree/services/platform.js')).createSomosPlatform({ config, db, secrets, log, now }));
}

/**
 * The tenants' own provider accounts (services/accounts/provider-accounts.ts, with the tenant settings and
 * their schemas), loaded when a provider is first resolved: a function that calls no provider never loads them.
 */
function lazyAccountLookup(db: () => Promise<Firestore>, config: Config): AccountLookup {
  const load = lazy(async () => (await import('../modules/accounts/services/provider-accounts.js')).accountLookup(db, config));
  return {
    find: async (tenantId, provider, accountId) => (await load()).find(tenantId, provider, accountId),
    policy: async (tenantId) => {
      const lookup = await load();
      return lookup.policy ? lookup.policy(tenantId) : 'platform';
    },
  };
}

function lazyPublisher(config: Config): Publisher {
  const load = lazy(async (): Promise<Publisher> => {
    const { PubSubPublisher } = await import('./queue/pubsub-publisher.js');
    // Topics are Terraform's in production; the emulator starts empty.
    return new PubSubPublisher({ projectId: config.GOOGLE_CLOUD_PROJECT, createMissingTopics: config.PLATFORM_ENV !== 'production' });
  });
  return {
    // A message published while a request is served carries its trace (attribute `traceparent`).
    publish: async (topic, data, attributes) => {
      const traced = { ...traceAttributes(), ...attributes };
      return (await load()).publish(topic, data, Object.keys(traced).length ? traced : undefined);
    },
    warm: () => void load().then((publisher) => publisher.warm?.(), () => undefined),
  };
}

export function createDeps(config: Config = getConfig(), overrides: Partial<Deps> = {}): Deps {
  const db = overrides.db ?? lazy(() => getFirestore(config.GOOGLE_CLOUD_PROJECT));
  const secrets = overrides.secrets ?? lazySecretStore(config);
  const log = overrides.log ?? logger;
  return {
    config,
    now: () => new Date(),
    log,
    verifyToken:
      overrides.verifyToken ??
      createTokenVerifier({
        projectId: config.authProjectId,
        ...(config.AUTH_JWKS_FILE ? { jwksFile: config.AUTH_JWKS_FILE } : {}),
        ...(config.AUTH_JWKS_URL ? { jwksUrl: config.AUTH_JWKS_URL } : {}),
      }),
    verifyTask:
      overrides.verifyTask ??
      createTaskVerifier({
        serviceAccountEmail: config.TASKS_SERVICE_ACCOUNT ?? `tasks@${config.GOOGLE_CLOUD_PROJECT}.iam.gserviceaccount.com`,
        ...(config.TASKS_OIDC_JWKS_FILE ? { jwksFile: config.TASKS_OIDC_JWKS_FILE } : {}),
      }),
    verifyPush: overrides.verifyPush ?? createPushVerifier(config),
    db,
    // Its module, with the number schemas it reads through, loads on its first call: most functions never touch a number.
    numbers: lazyStore(numbersStoreMethods, lazy(async () => (await import('../modules/numbers/repository.js')).createNumbersStore(db))),
    idempotency: createIdempotencyStore(db),
    secrets,
    tasks: lazyTaskQueue(config),
    publisher: lazyPublisher(config),
    providers: overrides.providers ?? createProviderResolver({ config, secrets, log, accounts: lazyAccountLookup(db, config) }),
    somos: overrides.somos ?? lazySomos(config, db, log),
    ...overrides,
  };
}

let shared: Deps | undefined;
/** One Deps per process (per function instance). */
export function getDeps(): Deps {
  shared ??= createDeps();
  return shared;
}
export function resetDeps(): void {
  shared = undefined;
}
