import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, resetConfig } from '../../shared/config.js';
import { resetDeps, useLocalSomosClock, useLocalTaskQueue } from '../../shared/deps.js';
import { platformSecretName } from '../../shared/providers/registry.js';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.js';
import { LocalTaskQueue, type LocalTaskQueueOptions } from '../../shared/queue/local-task-queue.js';
import { devTaskTokens, ensureDevKeys, LOCAL_PROJECT_ID, mintDevTaskToken, mintDevToken, type DevKeys } from './dev-auth.js';
import { startFirestoreEmulator, startPubsubEmulator, type EmulatorHandle } from './emulators.js';
import { startTwilioSandbox, type TwilioSandbox, type TwilioSandboxOptions } from '../sandboxes/twilio.js';
import { startPlivoSandbox } from '../sandboxes/plivo.js';
import { startVonageSandbox } from '../sandboxes/vonage.js';
import { startTelnyxSandbox } from '../sandboxes/telnyx.js';
import { startVapiSandbox, type VapiSandboxOptions } from '../sandboxes/vapi.js';
import { startSomosSandbox, type SomosSandbox } from '../sandboxes/somos.js';
import type { Role } from '../../shared/auth/verify-token.js';
import { taskEndpoints } from '../../shared/api/task-targets.js';
import { queueDefinitions } from '../../shared/queue/queues.js';
import { createPushSubscriptions, startPushRelay } from './pubsub-setup.js';
import { defaultPushServiceAccount, pushTarget } from '../../shared/auth/verify-push.js';
import { startConsoleServer, type ConsoleServer } from './console.js';

export { LOCAL_PROJECT_ID };

/** The project's security rules: the stack's Firestore emulator enforces them on client SDK requests (the server SDK bypasses them, as deployed). */
export const FIRESTORE_RULES_FILE = fileURLToPath(new URL('../../firestore.rules', import.meta.url));

/** Credentials of the platform's own sandbox accounts (they exist only in the sandboxes). */
export const SANDBOX_ACCOUNTS = {
  twilio: { accountSid: 'AC' + '0123456789abcdef'.repeat(2), authToken: 'f'.repeat(8) + '0123456789abcdef' + 'e'.repeat(8) },
  plivo: { authId: 'MASANDBOXPLATFORM001', authToken: 'sandbox-platform-token-0001' },
  vonage: { apiKey: 'sbxplatform1', apiSecret: 'sandbox-platform-secret' },
  telnyx: { apiKey: 'KEYSANDBOXPLATFORM0000000000000001' },
  vapi: { apiKey: 'vapi-sandbox-platform-key-0001' },
  somos: { username: 'platform-somos-api', password: 'sandbox-somos-password-0001', environment: 'sandbox' as const },
};

/** The Somos sandbox's RespOrg: entity NP with two active units and an inactive one. */
export const SOMOS_SANDBOX_RESPORG = { entityId: 'NP', respOrgIds: ['NPS01', 'NPS02'], inactiveRespOrgIds: ['NPS09'] };

/** Dev-stack defaults of the Somos settings (each one can be set before the stack starts). */
export const SOMOS_LOCAL_ENV = {
  SOMOS_DEFAULT_RESPORG_ID: 'NPS01',
  SOMOS_ENTITY_ID: 'NP',
  SOMOS_DEFAULT_DISASTER_NUMBER: '+13125550100',
  SOMOS_SIP_GATEWAY_NUMBER: '+13125550199',
  /** CIC 0555: the carrier code public Somos test suites use in customer records. */
  SOMOS_DEFAULT_CARRIERS: '0555',
  SOMOS_NOTIFICATION_SECRET: 'local-somos-notification-secret-0001',
};

/**
 * The Somos registry's clock in the dev stack: its sandbox and the platform's token manager both read
 * it, and the sandbox's advanceClock()/reset() move it, so a test that jumps the registry ahead makes
 * the platform see the same time (the sandbox's HTTP /__sandbox/clock control moves the sandbox only).
 */
const somosClock = { offsetMs: 0 };
const somosNow = () => Date.now() + somosClock.offsetMs;
function startSharedClockSomosSandbox(stateFile: string): Promise<SomosSandbox> {
  return startSomosSandbox({
    users: [{ username: SANDBOX_ACCOUNTS.somos.username, password: SANDBOX_ACCOUNTS.somos.password, ...SOMOS_SANDBOX_RESPORG }],
    stateFile,
    now: somosNow,
  }).then((sandbox) => {
    const reset = sandbox.reset.bind(sandbox);
    // Moves the shared clock, not the sandbox's own offset (which the platform would not see).
    sandbox.advanceClock = (ms) => {
      somosClock.offsetMs += ms;
    };
    sandbox.reset = () => {
      reset();
      somosClock.offsetMs = 0;
    };
    return sandbox;
  });
}

/** The dev stack's default CORS_ORIGINS: a browser console served locally (e.g. Vite on :5173). */
export const DEV_CORS_ORIGINS = 'http://127.0.0.1:5173,http://localhost:5173';

/** Accounts that exist in the sandboxes for tenants to bring as their own (bring-your-own credentials). */
export const CUSTOMER_SANDBOX_ACCOUNTS = {
  twilio: { accountSid: 'AC' + 'c0ffee00'.repeat(4), authToken: 'abcdef01'.repeat(4) },
  plivo: { authId: 'MASANDBOXCUSTOMER001', authToken: 'sandbox-customer-token-0001' },
  vonage: { apiKey: 'sbxcustomer1', apiSecret: 'sandbox-customer-secret' },
  telnyx: { apiKey: 'KEYSANDBOXCUSTOMER0000000000000001' },
};

/** Each provider's sandbox: started unless its *_API_BASE_URL is set before the stack starts. */
const sandboxStarters = {
  twilio: (stateFile: string, extra: Partial<TwilioSandboxOptions> = {}) =>
    startTwilioSandbox({ accounts: [SANDBOX_ACCOUNTS.twilio, CUSTOMER_SANDBOX_ACCOUNTS.twilio], stateFile, ...extra }),
  plivo: (stateFile: string) =>
    startPlivoSandbox({ accounts: [SANDBOX_ACCOUNTS.plivo, CUSTOMER_SANDBOX_ACCOUNTS.plivo], stateFile }),
  vonage: (stateFile: string) =>
    startVonageSandbox({ accounts: [SANDBOX_ACCOUNTS.vonage, CUSTOMER_SANDBOX_ACCOUNTS.vonage], stateFile }),
  telnyx: (stateFile: string) =>
    startTelnyxSandbox({ apiKeys: [SANDBOX_ACCOUNTS.telnyx.apiKey, CUSTOMER_SANDBOX_ACCOUNTS.telnyx.apiKey], stateFile }),
  /** Like Vapi, it checks imports' credentials and numbers with the other sandboxes (started before it) it is given. */
  vapi: (stateFile: string, providerAccounts: VapiSandboxOptions['providerAccounts'] = {}) =>
    startVapiSandbox({ apiKeys: [SANDBOX_ACCOUNTS.vapi.apiKey], stateFile, providerAccounts }),
  somos: (stateFile: string) => startSharedClockSomosSandbox(stateFile),
};
type Sandboxes = { [P in keyof typeof sandboxStarters]?: Awaited<ReturnType<(typeof sandboxStarters)[P]>> };

export interface StackOptions {
  port: number;
  dataDir: string;
  projectId?: string;
  fresh?: boolean;
  /** Reuse running emulators (tests); otherwise the stack starts its own. */
  firestoreHost?: string;
  pubsubHost?: string;
  log?: (line: string) => void;
  /** Extra settings of the sandboxes the stack starts (benchmarks, tests): latency, failures, rate limits. */
  sandboxOptions?: { twilio?: Partial<TwilioSandboxOptions> };
  /** Extra settings of the local Cloud Tasks dispatcher (tests and benchmarks only). */
  taskQueueOptions?: Pick<LocalTaskQueueOptions, 'duplicateDeliveryRate'>;
  /** Serve the web console's build (scripts/local/console.ts) on its own origin, which CORS_ORIGINS then allows. */
  console?: { dir: string; port: number };
}

export interface Stack {
  url: string;
  tasks: LocalTaskQueue;
  /** Mints the OIDC-style token Cloud Tasks / Cloud Scheduler would send to an internal endpoint. */
  taskToken(audience: string): Promise<string>;
  /** Mints the OIDC-style token a Pub/Sub push subscription would attach (audience: pushTarget(config, fn).audience). */
  pushToken(audience: string): Promise<string>;
  projectId: string;
  twilio?: TwilioSandbox;
  sandboxes: Sandboxes;
  providerUrls: Record<string, string>;
  /** The web console, when StackOptions.console asked for it. */
  consoleUrl?: string;
  token(tenantId: string, role: Role, uid?: string): Promise<string>;
  stop(): Promise<void>;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => {});
  const projectId = options.projectId ?? LOCAL_PROJECT_ID;
  const dataDir = path.resolve(options.dataDir);
  const emulatorData = path.join(dataDir, 'emulator-data');
  const secretsDir = path.join(dataDir, 'secrets');
  const sandboxDir = path.join(dataDir, 'sandboxes');
  if (options.fresh) {
    for (const dir of [emulatorData, secretsDir, sandboxDir]) await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dataDir, { recursive: true });
  const keys: DevKeys = await ensureDevKeys(path.join(dataDir, 'auth'));
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((err) => log(`stop failed: ${String(err)}`));
  };

  try {
    let firestoreHost = options.firestoreHost;
    if (!firestoreHost) {
      const hasData = await exists(emulatorData);
      const firestore = await startFirestoreEmulator({ ...(hasData ? { importDir: emulatorData } : {}), rulesPath: FIRESTORE_RULES_FILE, log });
      firestoreHost = firestore.host;
      stoppers.push(async () => {
        await firestore.exportTo(emulatorData, [projectId]);
        await firestore.stop();
      });
      log(`firestore emulator on ${firestore.host}${hasData ? ' (data restored)' : ''}`);
    }
    let pubsubHost = options.pubsubHost;
    if (!pubsubHost) {
      const pubsub: EmulatorHandle = await startPubsubEmulator({ log });
      pubsubHost = pubsub.host;
      stoppers.push(() => pubsub.stop());
      log(`pubsub emulator on ${pubsub.host}`);
    }

    // Provider sandboxes, unless a base URL was set explicitly before start.
    const providerUrls: Record<string, string> = {};
    const sandboxes: Sandboxes = {};
    for (const provider of Object.keys(sandboxStarters) as (keyof typeof sandboxStarters)[]) {
      const envVar = `${provider.toUpperCase()}_API_BASE_URL`;
      const preset = process.env[envVar];
      if (preset) {
        providerUrls[provider] = preset;
        continue;
      }
      const stateFile = path.join(sandboxDir, `${provider}.json`);
      const sandbox =
        provider === 'twilio'
          ? await sandboxStarters.twilio(stateFile, options.sandboxOptions?.twilio)
          : provider === 'vapi'
            ? await sandboxStarters.vapi(stateFile, {
                ...(sandboxes.twilio ? { twilio: sandboxes.twilio.lookup } : {}),
                ...(sandboxes.vonage ? { vonage: sandboxes.vonage.lookup } : {}),
                ...(sandboxes.telnyx ? { telnyx: sandboxes.telnyx.lookup } : {}),
              })
            : await sandboxStarters[provider](stateFile);
      (sandboxes as Record<string, typeof sandbox>)[provider] = sandbox;
      stoppers.push(() => sandbox.close());
      providerUrls[provider] = sandbox.url;
    }

    // The console first: its origin (known once it listens) joins the CORS_ORIGINS the functions read.
    let consoleServer: ConsoleServer | undefined;
    if (options.console) {
      consoleServer = await startConsoleServer({
        dir: options.console.dir,
        port: options.console.port,
        mintToken: (tenantId, role) => mintDevToken(keys, { projectId, tenantId, role }),
      });
      stoppers.push(() => consoleServer!.close());
      log(`console on ${consoleServer.url}`);
    }
    const corsOrigins = [process.env.CORS_ORIGINS ?? DEV_CORS_ORIGINS, ...(consoleServer?.origins ?? [])].filter(Boolean).join(',');

    const tasksServiceAccount = `tasks@${projectId}.iam.gserviceaccount.com`;
    const pushServiceAccount = defaultPushServiceAccount(projectId);
    Object.assign(process.env, {
      GOOGLE_CLOUD_PROJECT: projectId,
      PLATFORM_ENV: 'local',
      AUTH_JWKS_FILE: keys.jwksFile,
      TASKS_OIDC_JWKS_FILE: keys.jwksFile,
      TASKS_SERVICE_ACCOUNT: tasksServiceAccount,
      PUBSUB_PUSH_SERVICE_ACCOUNT: pushServiceAccount,
      LOCAL_DATA_DIR: dataDir,
      FIRESTORE_EMULATOR_HOST: firestoreHost,
      PUBSUB_EMULATOR_HOST: pubsubHost,
      METADATA_SERVER_DETECTION: 'none',
      VAPI_ALLOW_FREE_NUMBERS: process.env.VAPI_ALLOW_FREE_NUMBERS ?? 'true', // the dev stack may hand out free sandbox numbers
      // Webhooks and job callbacks may reach the dev stack's (and tests') receivers on 127.0.0.1, over http too.
      OUTBOUND_ALLOW_LOOPBACK: process.env.OUTBOUND_ALLOW_LOOPBACK ?? 'true',
      // Browser clients: the console's dev server (Vite's default port) may call the API (CORS).
      CORS_ORIGINS: corsOrigins,
      // As deployed: the gateway moves the caller's token to X-Forwarded-Authorization (gateway.ts).
      AUTH_VIA_GATEWAY: process.env.AUTH_VIA_GATEWAY ?? 'true',
      ...(sandboxes.telnyx ? { TELNYX_PUBLIC_KEY: sandboxes.telnyx.publicKeyBase64 } : {}),
      // Twilio's Pricing API (monthly prices in search results): the Twilio sandbox serves it too.
      ...(sandboxes.twilio ? { TWILIO_PRICING_BASE_URL: sandboxes.twilio.url } : {}),
      ...Object.fromEntries(Object.entries(SOMOS_LOCAL_ENV).map(([key, value]) => [key, process.env[key] ?? value])),
      // The TSS (text enablement) API is not public: only the sandbox's stand-in exists.
      ...(sandboxes.somos && !process.env.SOMOS_TSS_BASE_URL ? { SOMOS_TSS_BASE_URL: sandboxes.somos.url } : {}),
      ...Object.fromEntries(Object.entries(providerUrls).map(([provider, url]) => [`${provider.toUpperCase()}_API_BASE_URL`, url])),
    });
    resetConfig();
    resetDeps();

    // Behaves like the deployed queue: delayed delivery, rate limits, retries, and an OIDC token per task.
    const taskToken = devTaskTokens(keys, tasksServiceAccount);
    const tasks = new LocalTaskQueue({
      queues: Object.fromEntries(
        // Same queues and rates as deployed; backoff capped lower so a dev stack recovers quickly.
        Object.entries(queueDefinitions()).map(([name, q]) => [name, { ...q, maxBackoffMs: Math.min(q.maxBackoffMs, 30_000) }]),
      ),
      authHeader: async ({ audience }) => `Bearer ${await taskToken(audience)}`,
      ...options.taskQueueOptions,
    });
    useLocalTaskQueue(tasks);
    stoppers.push(async () => {
      tasks.close();
      useLocalTaskQueue(undefined);
    });
    if (sandboxes.somos) {
      useLocalSomosClock(somosNow);
      stoppers.push(async () => {
        useLocalSomosClock(undefined);
        somosClock.offsetMs = 0;
      });
    }

    await seed(projectId, secretsDir);

    const { startGateway } = await import('./gateway.js');
    // The deployed gateway's own ID token (its service account), cached like Google's for most of an hour.
    const gatewayAccount = `gateway@${projectId}.iam.gserviceaccount.com`;
    const gatewayTokens = new Map<string, { token: Promise<string>; until: number }>();
    const gatewayToken = (audience: string) => {
      const cached = gatewayTokens.get(audience);
      if (cached && cached.until > Date.now()) return cached.token;
      const token = mintDevTaskToken(keys, { audience, serviceAccount: gatewayAccount });
      gatewayTokens.set(audience, { token, until: Date.now() + 45 * 60_000 });
      return token;
    };
    const gateway = await startGateway({ port: options.port, ...(process.env.AUTH_VIA_GATEWAY === 'true' ? { gatewayToken } : {}) });
    stoppers.push(() => gateway.close());
    process.env.PUBLIC_BASE_URL = gateway.url; // task targets; known once the port is
    consoleServer?.setApiBaseUrl(gateway.url);
    resetConfig();
    resetDeps();
    // The emulator sends no OIDC token: its pushes go through a relay that adds the one Pub/Sub would.
    const pushToken = (audience: string) => mintDevTaskToken(keys, { audience, serviceAccount: pushServiceAccount });
    const relay = await startPushRelay({ target: (fn) => pushTarget(getConfig(), fn), token: pushToken, log });
    stoppers.push(() => relay.close());
    await createPushSubscriptions(projectId, relay.endpointFor);
    sandboxes.telnyx?.setWebhookUrl(`${gateway.url}/webhooks/telnyx`); // signed number_order.* events
    // Unsolicited notifications: Somos appends /v3/ext/uns/{rsv,rch} to the registered base.
    sandboxes.somos?.configure({ notifications: { url: `${gateway.url}/webhooks/somos`, secret: process.env.SOMOS_NOTIFICATION_SECRET! } });

    // Cloud Scheduler's stand-in: the scheduled functions, called like the deployed scheduler would.
    const runScheduled = async (endpoint: { path: string }, body: Record<string, unknown> = {}): Promise<Record<string, unknown> | undefined> => {
      const url = `${gateway.url}${endpoint.path}`;
      const token = await mintDevTaskToken(keys, { audience: url, serviceAccount: tasksServiceAccount });
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) log(`scheduled ${endpoint.path} answered ${res.status}`);
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    };
    const schedule = (endpoint: { path: string }, minutes: number) => {
      if (!(minutes > 0)) return;
      const timer = setInterval(() => void runScheduled(endpoint).catch((err) => log(String(err))), minutes * 60_000);
      timer.unref();
      stoppers.push(async () => clearInterval(timer));
    };
    schedule(taskEndpoints.reconcileStart, Number(process.env.LOCAL_RECONCILE_INTERVAL_MINUTES ?? 60));
    schedule(taskEndpoints.somosTokenRefresh, Number(process.env.LOCAL_SOMOS_REFRESH_INTERVAL_MINUTES ?? 10));
    schedule(taskEndpoints.jobSweep, Number(process.env.LOCAL_JOB_SWEEP_INTERVAL_MINUTES ?? 10));
    // This queue starts empty: the tasks of a run stopped mid-job (Ctrl-C) are gone. Their items and jobs carry on now.
    const resumed = await runScheduled(taskEndpoints.jobSweep, { tasksLost: true }).catch((err: unknown) => log(`job sweep at start failed: ${String(err)}`));
    if (resumed && (Number(resumed.requeued) > 0 || Number(resumed.jobsChecked) > 0)) {
      log(`resumed bulk jobs left by the last run: ${Number(resumed.requeued)} items re-enqueued, ${Number(resumed.jobsChecked)} jobs checked`);
    }

    return {
      url: gateway.url,
      tasks,
      taskToken,
      pushToken,
      projectId,
      ...(sandboxes.twilio ? { twilio: sandboxes.twilio } : {}),
      sandboxes,
      providerUrls,
      ...(consoleServer ? { consoleUrl: consoleServer.url } : {}),
      token: (tenantId, role, uid) => mintDevToken(keys, { projectId, tenantId, role, ...(uid ? { uid } : {}) }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The demo tenant and the platform's sandbox provider accounts. */
async function seed(projectId: string, secretsDir: string): Promise<void> {
  const secrets = new LocalSecretStore({ dir: secretsDir });
  for (const [provider, credentials] of Object.entries(SANDBOX_ACCOUNTS)) {
    await secrets.put(platformSecretName(provider as keyof typeof SANDBOX_ACCOUNTS), JSON.stringify(credentials), { provider, owner: 'platform' });
  }
  const { getFirestore } = await import('../../shared/store/firestore.js');
  const db = await getFirestore(projectId);
  const now = new Date().toISOString();
  await db.doc('tenants/demo').set(
    { id: 'demo', name: 'Demo tenant', updatedAt: now },
    { merge: true },
  );
}
