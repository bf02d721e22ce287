/**
 * `npm run bench:coldstart [-- --runs 3 --only numbersList,agentsGet]`: cold start of every deployed function.
 *
 * Builds the deployable source (`npm run build`: tsc, then scripts/build-functions.ts → dist/deploy; skip
 * with --no-build), fills its compile cache as the deploy's gcp-build step does, starts the dev stack
 * (Firestore and Pub/Sub emulators, provider sandboxes, dev keys, seeded secrets) in this process, then
 * for each function of the endpoint table (`endpoints` and `eventFunctions`) spawns a fresh
 * functions-framework process the way Cloud Functions does: in dist/deploy (the source Terraform
 * uploads), `main.js --target=<name>` with FUNCTION_TARGET=<name>, so the package's main (the
 * dispatcher) loads that function's own bundle, NODE_ENV=production and the env the stack set. It
 * measures the time from spawn to its first successful response to a representative request: one that
 * passes auth and validation and runs the function's operation (its modules, Google clients and
 * provider). Each function's request and what counts as success are in `samples` below; fixtures (a
 * number, a location, a job, a toll-free number, …) are made through the stack's gateway beforehand,
 * outside the timing. A function of the table without a sample is reported as not measured (add one).
 * A bare functions-framework function (`res.send('ok')`, generated in a temp dir) is started just
 * before every function run, the same way; each run's ratio is (run) / (its bare run), and a
 * function's ratio is the median of its runs' ratios: machine-independent, and robust to load that
 * changes during the benchmark. Runs go round-robin (every function once, then again); figures are
 * medians of --runs (default 3). `--cpu-prof DIR` writes a V8 CPU profile of every function process;
 * `--io-trace DIR` a JSON file per process of its outgoing calls (Firestore, providers) with when each
 * left, its headers and its end arrived.
 *
 * Target (issue #15): every function ≤ 3.0 × bare (--target). Prints a table (median ms; ready ms = the
 * port accepted connections; cpu ms = user + system time of the process when its response arrived,
 * which contention does not inflate; − bare; × bare, the ratio; the files the process loaded, in all
 * and before the request, and the source modules those files hold; the Google clients and provider
 * modules it loaded, `*` at startup, `*+` at startup and more by the request), the worst ratio, the
 * offenders, then one JSON line. Exit code 0 even over target (a measurement; offenders are listed);
 * 1 when a function never answered as expected, 2 when the stack could not start.
 *
 * Module trace: a preload (`--import`, generated) records every resolved module with module.registerHooks;
 * it costs a few ms, so the trace is taken in one extra untimed run per function after the timed rounds
 * (--no-trace skips it). A bundle file holds many source modules: dist/function-bundles.json (written by
 * the build) says which. The same preload registers a local task queue that accepts and drops tasks
 * (shared/deps.ts keeps it on globalThis, so the bundle's copy sees it): in production enqueuing is one
 * REST call (shared/queue/cloud-tasks-queue.ts) with the auth client Firestore loaded; locally there is
 * no Cloud Tasks, so the figures of task-enqueueing functions lack that call. The stack's Pub/Sub push subscriptions are deleted and its scheduler
 * stand-ins disabled so nothing runs in the background while measuring.
 *
 * Other knobs: --concurrency N (functions measured at once; default 1: on 2 cores, 2 inflates every
 * figure), --timeout S per start (default 30).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import net, { type AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { findFreePort, startFirestoreEmulator, startPubsubEmulator, MissingToolError, type EmulatorHandle } from '../scripts/local/emulators.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, startStack, type Stack } from '../scripts/local/stack.js';
import type { SomosSandbox } from '../scripts/sandboxes/somos.js';
import { plivoV3Signature, twilioSignature } from '../modules/inbound/index.js';
import { taskEndpoints, taskTarget, type TaskEndpoint } from '../shared/api/task-targets.js';
import { pushTarget } from '../shared/auth/verify-push.js';
import { getConfig } from '../shared/config.js';
import { setLogSink } from '../shared/log.js';
import type { Role } from '../shared/auth/verify-token.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    target: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '30' },
    'no-build': { type: 'boolean', default: false },
    'no-trace': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'io-trace': { type: 'string' },
    'no-compile-cache': { type: 'boolean', default: false },
  },
});
const int = (name: string, raw: string, min: number, max: number) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
  return n;
};
const RUNS = int('runs', args.runs, 1, 50);
const TARGET_RATIO = Number(args.target);
if (!(TARGET_RATIO >= 1 && TARGET_RATIO <= 100)) throw new Error(`--target must be a ratio in [1, 100], got ${args.target}`);
const CONCURRENCY = int('concurrency', args.concurrency, 1, 16);
const START_TIMEOUT_MS = int('timeout', args.timeout, 1, 600) * 1000;
const ONLY = args.only ? new Set(args.only.split(',').map((s) => s.trim()).filter(Boolean)) : undefined;

const ROOT = path.resolve(import.meta.dirname, '..');
/** The deployable source (scripts/build-functions.ts): the cwd of every function process, as /workspace is deployed. */
const DEPLOY_DIR = path.join(ROOT, 'dist/deploy');
const DISPATCHER = path.join(DEPLOY_DIR, 'index.mjs');
const BUNDLE_REPORT = path.join(ROOT, 'dist/function-bundles.json');
const requireHere = createRequire(import.meta.url);
const FRAMEWORK_INDEX = requireHere.resolve('@google-cloud/functions-framework');
/** The package's `functions-framework` bin (not an export): what Cloud Functions runs. */
const FRAMEWORK_MAIN = path.join(path.dirname(FRAMEWORK_INDEX), 'main.js');
const PROJECT = 'demo-coldstart';
const TENANT = 'coldstart';
/** Holds a submitted (pending) requirement group: one per country, type and action per tenant. */
const PENDING_TENANT = 'coldstart-pending';
/**
 * jobsList's tenant: a fixed page of LISTED_JOBS unfinished jobs, made with the fixtures (the jobs
 * samples make theirs in TENANT, where nothing runs them, so a page there would grow run by run).
 */
const JOBS_TENANT = 'coldstart-jobs';
const LISTED_JOBS = 3;

const say = (line: string) => process.stderr.write(`[coldstart] ${line}\n`);
const now = () => performance.timeOrigin + performance.now(); // epoch ms, comparable with the children's
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// ---------------------------------------------------------------------------------------------
// What each function is asked, and what counts as its first successful response

/** One HTTP request to a function's own server (the path matters only for path parameters). */
interface HttpProbe {
  method: string;
  path: string;
  token?: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: { data: Buffer; contentType: string };
}
/** A request sent some other way (signed by a sandbox); resolves with the status. */
type CustomProbe = (url: string) => Promise<{ status: number; body: string }>;
type Probe = HttpProbe | CustomProbe;

interface Sample {
  /** What the request is and why the expected answer proves the operation ran. */
  success: string;
  expect: number[];
  /** Called before each start (outside the timing): fixtures for this run, then the request. */
  probe(run: number): Promise<Probe>;
}

interface Fixtures {
  numberId: string;
  locationId: string;
  agentId: string;
  jobId: string;
  groupId: string;
  textualId: string;
  documentId: string;
  /** An address of the tenant (POST /v1/addresses, validated by the Telnyx sandbox). */
  addressId: string;
  pendingGroupId: string;
  twilioPhone: string;
  plivoPhone: string;
  /** Toll-free (Somos sandbox): a reserved number, an active one with text enablement pending, a 202 request, a transfer. */
  tfReserved: string;
  tfActive: string;
  tfRequestId: string;
  transferId: string;
  loaId: string;
  transferNumber: string;
}

/** A gateway answer: its status and its body, parsed when it is JSON (its text otherwise). */
interface GatewayAnswer {
  status: number;
  body: unknown;
}

// The fields of the gateway's JSON answers that the fixtures read (parse() strips the rest).
const Created = z.object({ id: z.string() });
const CreatedNumber = z.object({ id: z.string(), phoneNumber: z.string() });
const ImportedVapiNumber = z.object({ id: z.string(), vapi: z.object({ credentialId: z.string().optional() }).optional() });
const CreatedGroup = z.object({ id: z.string(), requirements: z.array(z.object({ id: z.string(), kind: z.string() })) });
const AvailableNumbers = z.object({ data: z.array(z.object({ phoneNumber: z.string() })) });
const TollFreeReservations = z.object({ data: z.array(z.object({ id: z.string() })) });
const PendingRequest = z.object({ requestId: z.string() });
const ScheduledRouting = z.object({ scheduledRouting: z.array(z.object({ id: z.string() })) });

interface Ctx {
  stack: Stack;
  fx: Fixtures;
  token(tenant: string, role: Role): Promise<string>;
  gw(method: string, p: string, options?: { tenant?: string; role?: Role; json?: unknown; form?: FormData }): Promise<GatewayAnswer>;
  taskProbe(endpoint: TaskEndpoint, json: unknown): Promise<HttpProbe>;
  /** A push as the function's subscription makes it, with the push subscription's OIDC token. */
  pushProbe(name: string, data: unknown): Promise<HttpProbe>;
  nextTwilioNumber(): Promise<string>;
  callbackUrl: string;
  publicBaseUrl: string;
  somos(): SomosSandbox;
  somosSecret: string;
}

const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2048, 0x20), Buffer.from('\n%%EOF\n')]);
const multipartPdf = () => {
  const boundary = `----coldstart${randomBytes(8).toString('hex')}`;
  const data = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bill.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    PDF,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { data, contentType: `multipart/form-data; boundary=${boundary}` };
};

function samples(ctx: Ctx): Record<string, Sample> {
  const { fx } = ctx;
  const member = () => ctx.token(TENANT, 'member');
  const admin = () => ctx.token(TENANT, 'admin');
  const get = (p: string, role: Role = 'member'): Sample['probe'] => async () => ({ method: 'GET', path: p, token: await ctx.token(TENANT, role) });
  const ok = (what: string) => `200: ${what}`;
  const expectOk = (p: string, role: Role, what: string): Sample => ({ success: ok(what), expect: [200], probe: get(p, role) });
  // A job with one update item (its chunk goes to a topic without subscriptions: nothing runs it).
  const freshJob = async (extra: Record<string, unknown> = {}) => {
    const res = await ctx.gw('POST', '/v1/jobs', { json: { type: 'update', provider: 'twilio', items: [{ numberId: fx.numberId, changes: { displayName: 'bulk' } }], ...extra } });
    if (res.status !== 202) throw new Error(`fixture job: ${res.status} ${JSON.stringify(res.body)}`);
    return Created.parse(res.body).id;
  };
  const buyTwilio = async (tenant = TENANT) => {
    const res = await ctx.gw('POST', '/v1/numbers', { tenant, json: { provider: 'twilio', phoneNumber: await ctx.nextTwilioNumber() } });
    if (res.status !== 201) throw new Error(`fixture number: ${res.status} ${JSON.stringify(res.body)}`);
    return Created.parse(res.body).id;
  };
  const created = (res: GatewayAnswer, what: string) => {
    if (res.status !== 201) throw new Error(`fixture ${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return Created.parse(res.body).id;
  };
  // A provider account is added by one tenant at most (409 account_in_use): the tenant that added the
  // customer's Twilio account for an earlier run removes it first, outside the timing.
  let customerTwilioHeldBy: string | undefined;
  const freeCustomerTwilio = async (next: string) => {
    const holder = customerTwilioHeldBy;
    customerTwilioHeldBy = next;
    if (!holder) return;
    const list = await ctx.gw('GET', '/v1/provider-accounts', { tenant: holder, role: 'admin' });
    const accounts = z.object({ data: z.array(z.object({ id: z.string(), provider: z.string() })) }).parse(list.body).data;
    for (const account of accounts.filter((a) => a.provider === 'twilio')) {
      const removed = await ctx.gw('DELETE', `/v1/provider-accounts/${account.id}?force=true`, { tenant: holder, role: 'admin' });
      if (removed.status !== 200 && removed.status !== 404) throw new Error(`fixture account removal: ${removed.status} ${JSON.stringify(removed.body).slice(0, 300)}`);
    }
  };
  const addCustomerTwilio = async (tenant: string) => {
    await freeCustomerTwilio(tenant);
    return created(await ctx.gw('POST', '/v1/provider-accounts', { tenant, role: 'admin', json: { provider: 'twilio', credentials: CUSTOMER_SANDBOX_ACCOUNTS.twilio } }), 'provider account');
  };

  return {
    openapi: { success: ok('the OpenAPI document is built (public)'), expect: [200], probe: async () => ({ method: 'GET', path: '/v1/openapi.json' }) },
    numbersSearchAvailable: expectOk('/v1/numbers/available?provider=twilio&areaCode=415', 'member', 'Twilio sandbox search (platform account secret, Twilio client)'),
    numbersCreate: {
      success: '201: buys an available number at the Twilio sandbox (claim, provider call, Firestore writes)',
      expect: [201],
      probe: async () => ({ method: 'POST', path: '/v1/numbers', token: await member(), json: { provider: 'twilio', phoneNumber: await ctx.nextTwilioNumber() } }),
    },
    numbersList: expectOk('/v1/numbers', 'member', 'Firestore query of the tenant’s numbers'),
    numbersGet: expectOk(`/v1/numbers/${fx.numberId}`, 'member', 'an existing number'),
    numbersUpdate: {
      success: '200: display name and webhook URL of an existing Twilio number changed (provider call)',
      expect: [200],
      probe: async (run) => ({ method: 'PATCH', path: `/v1/numbers/${fx.numberId}`, token: await member(), json: { displayName: `Cold ${run}`, webhookUrl: `https://example.com/voice/${run}` } }),
    },
    numbersRelease: {
      success: '200: a number bought for this run is released at the Twilio sandbox',
      expect: [200],
      probe: async () => ({ method: 'DELETE', path: `/v1/numbers/${await buyTwilio()}`, token: await admin() }),
    },
    numbersCheck: expectOk('/v1/numbers/check?gigId=gig-cold', 'member', 'Firestore query by externalRef'),
    requirementsList: expectOk('/v1/requirements?country=FR&type=local', 'member', 'FR requirements from the Telnyx sandbox'),
    requirementGroupsCreate: {
      success: '201: a new FR group at the Telnyx sandbox (a fresh tenant per run)',
      expect: [201],
      probe: async (run) => ({ method: 'POST', path: '/v1/requirement-groups', token: await ctx.token(`cs-rg-${run}`, 'member'), json: { country: 'FR', type: 'local' } }),
    },
    requirementGroupsList: expectOk('/v1/requirement-groups', 'member', 'Firestore query'),
    requirementGroupsGet: expectOk(`/v1/requirement-groups/${fx.groupId}`, 'member', 'an existing draft group'),
    requirementGroupsSetValue: {
      success: '200: a textual value saved on the draft group (checked against its acceptance criteria)',
      expect: [200],
      probe: async () => ({ method: 'POST', path: `/v1/requirement-groups/${fx.groupId}/values/${fx.textualId}`, token: await member(), json: { value: 'Gig Works SAS' } }),
    },
    requirementGroupsUploadDocument: {
      success: '200: a 2 KB PDF (multipart) uploaded to the Telnyx sandbox and attached',
      expect: [200],
      probe: async () => ({ method: 'POST', path: `/v1/requirement-groups/${fx.groupId}/documents/${fx.documentId}`, token: await member(), body: multipartPdf() }),
    },
    requirementGroupsStatus: {
      success: '200: a submitted (pending) group refreshed from the Telnyx sandbox',
      expect: [200],
      probe: async () => ({ method: 'GET', path: `/v1/requirement-groups/${fx.pendingGroupId}/status`, token: await ctx.token(PENDING_TENANT, 'member') }),
    },
    requirementGroupsSubmit: {
      success: '200: a complete group (made for this run in a fresh tenant) submitted to the Telnyx sandbox; its poll task is enqueued (dropped)',
      expect: [200],
      probe: async (run) => {
        const tenant = `cs-sub-${run}`;
        const groupId = await completeGroup(ctx, tenant);
        return { method: 'POST', path: `/v1/requirement-groups/${groupId}/submit`, token: await ctx.token(tenant, 'member') };
      },
    },
    webhookTelnyx: {
      success: '200: a number_order.complete event signed by the Telnyx sandbox (Ed25519), verified, deduplicated in Firestore (outcome "ignored": no such order)',
      expect: [200],
      probe: async () => async (url) => {
        const telnyx = ctx.stack.sandboxes.telnyx;
        if (!telnyx) throw new Error('no Telnyx sandbox');
        const delivery = await telnyx.sendWebhook(
          { eventType: 'number_order.complete', id: randomUUID(), occurredAt: new Date().toISOString(), payload: { id: randomUUID(), status: 'success', phone_numbers: [] } },
          { url: `${url}/webhooks/telnyx`, attempts: 1 },
        );
        return { status: delivery.status, body: delivery.error ?? '' };
      },
    },
    [taskEndpoints.pollRequirementGroup.name]: {
      success: '200: polls the pending group at the Telnyx sandbox (OIDC task token); the next poll is enqueued (dropped)',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.pollRequirementGroup, { tenantId: PENDING_TENANT, groupId: fx.pendingGroupId, attempt: 0 }),
    },
    jobsCreate: {
      success: '202: a one-item update job written to Firestore and its chunk published to Pub/Sub (emulator)',
      expect: [202],
      probe: async () => ({ method: 'POST', path: '/v1/jobs', token: await member(), json: { type: 'update', provider: 'twilio', items: [{ numberId: fx.numberId, changes: { displayName: 'bulk' } }] } }),
    },
    jobsList: {
      success: ok(`a page of ${LISTED_JOBS} unfinished jobs, each with its items counted per state`),
      expect: [200],
      probe: async () => ({ method: 'GET', path: '/v1/jobs', token: await ctx.token(JOBS_TENANT, 'member') }),
    },
    jobsGet: expectOk(`/v1/jobs/${fx.jobId}`, 'member', 'an existing job'),
    jobsItems: expectOk(`/v1/jobs/${fx.jobId}/items`, 'member', 'an existing job’s items'),
    jobsCancel: { success: '200: a queued job made for this run is cancelled', expect: [200], probe: async () => ({ method: 'POST', path: `/v1/jobs/${await freshJob()}/cancel`, token: await member() }) },
    signingSecretRotate: { success: '201: a new signing secret stored (local secret store)', expect: [201], probe: async () => ({ method: 'POST', path: '/v1/signing-secret', token: await admin() }) },
    [taskEndpoints.jobItem.name]: {
      success: '200: runs the item of a job made for this run (a Twilio number update)',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.jobItem, { tenantId: TENANT, jobId: await freshJob(), itemId: 'it_00000' }),
    },
    [taskEndpoints.jobFinalize.name]: {
      success: '200: the completion check of a job made for this run (OIDC task token)',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.jobFinalize, { tenantId: TENANT, jobId: await freshJob() }),
    },
    [taskEndpoints.jobCallback.name]: {
      success: '200: delivers the signed job.finished callback of a job made (and cancelled) for this run to a local receiver that answers 200',
      expect: [200],
      probe: async () => {
        const jobId = await freshJob({ callbackUrl: ctx.callbackUrl });
        const cancelled = await ctx.gw('POST', `/v1/jobs/${jobId}/cancel`);
        if (cancelled.status !== 200) throw new Error(`fixture cancel: ${cancelled.status}`);
        return ctx.taskProbe(taskEndpoints.jobCallback, { tenantId: TENANT, jobId });
      },
    },
    vapiCredentialsList: expectOk('/v1/vapi/credentials', 'member', 'Firestore query'),
    vapiCredentialsCreate: {
      success: '201: a SIP trunk credential created at the Vapi sandbox and recorded (fingerprint, label)',
      expect: [201],
      probe: async (run) => ({
        method: 'POST',
        path: '/v1/vapi/credentials',
        token: await member(),
        json: { provider: 'byo-sip-trunk', gateways: [{ ip: `203.0.113.${(run % 200) + 1}` }], label: `Trunk ${run}` },
      }),
    },
    vapiCredentialsDelete: {
      success: '200: deletes, at the Vapi sandbox, the credential of a Vonage number imported into Vapi and released for this run',
      expect: [200],
      probe: async (run) => {
        // The tenant's own Vonage account (the sandbox's customer account) holds the number, as Vapi checks.
        const number = `+4479111${String(10_000 + run).slice(-5)}`;
        ctx.stack.sandboxes.vonage?.seedOwned(CUSTOMER_SANDBOX_ACCOUNTS.vonage.apiKey, number);
        const imported = await ctx.gw('POST', '/v1/numbers', {
          json: { provider: 'vapi', source: { type: 'vonage', number, ...CUSTOMER_SANDBOX_ACCOUNTS.vonage } },
        });
        created(imported, 'vapi import');
        const vapiNumber = ImportedVapiNumber.parse(imported.body);
        const credentialId = vapiNumber.vapi?.credentialId;
        if (!credentialId) throw new Error(`fixture vapi import made no credential: ${JSON.stringify(imported.body)}`);
        const released = await ctx.gw('DELETE', `/v1/numbers/${vapiNumber.id}`, { role: 'admin' });
        if (released.status !== 200) throw new Error(`fixture release: ${released.status}`);
        return { method: 'DELETE', path: `/v1/vapi/credentials/${credentialId}`, token: await admin() };
      },
    },
    providerAccountsCreate: {
      success: '201: a tenant’s own Twilio account verified at the sandbox and its secret stored (fresh tenant per run)',
      expect: [201],
      probe: async (run) => {
        await freeCustomerTwilio(`cs-acc-${run}`);
        return {
          method: 'POST',
          path: '/v1/provider-accounts',
          token: await ctx.token(`cs-acc-${run}`, 'admin'),
          json: { provider: 'twilio', credentials: CUSTOMER_SANDBOX_ACCOUNTS.twilio, label: 'Own' },
        };
      },
    },
    providerAccountsList: expectOk('/v1/provider-accounts', 'admin', 'Firestore query'),
    providerAccountsUpdate: {
      success: '200: relabels an account added for this run in a fresh tenant',
      expect: [200],
      probe: async (run) => {
        const tenant = `cs-accupd-${run}`;
        const id = await addCustomerTwilio(tenant);
        return { method: 'PATCH', path: `/v1/provider-accounts/${id}`, token: await ctx.token(tenant, 'admin'), json: { label: `Own ${run}` } };
      },
    },
    tenantSettingsGet: expectOk('/v1/tenant/settings', 'admin', 'the tenant’s settings (Firestore read)'),
    tenantSettingsUpdate: {
      success: '200: the tenant’s account policy set (Firestore write)',
      expect: [200],
      probe: async () => ({ method: 'PATCH', path: '/v1/tenant/settings', token: await admin(), json: { accountPolicy: 'platform' } }),
    },
    addressesList: expectOk('/v1/addresses', 'member', 'Firestore query'),
    addressesCreate: {
      success: '201: a new FR address (another street number each run) validated and created at the Telnyx sandbox, then recorded (the same address again would be 200)',
      expect: [201],
      probe: async (run) => ({ method: 'POST', path: '/v1/addresses', token: await member(), json: { ...FR_ADDRESS, streetAddress: `${run + 10} Rue de Rivoli` } }),
    },
    addressesGet: expectOk(`/v1/addresses/${fx.addressId}`, 'member', 'an existing address (Firestore read)'),
    tollfreeList: expectOk('/v1/tollfree', 'member', 'the tenant’s toll-free numbers (Firestore query)'),
    resporgTransfersList: expectOk('/v1/resporg/transfers', 'member', 'the tenant’s RespOrg transfers (Firestore query)'),
    providerAccountsDelete: {
      success: '200: removes an account (and its secret) added for this run in a fresh tenant',
      expect: [200],
      probe: async (run) => {
        const tenant = `cs-accdel-${run}`;
        const id = await addCustomerTwilio(tenant);
        return { method: 'DELETE', path: `/v1/provider-accounts/${id}`, token: await ctx.token(tenant, 'admin') };
      },
    },
    locationsCreate: { success: '201: a location created', expect: [201], probe: async (run) => ({ method: 'POST', path: '/v1/locations', token: await admin(), json: { name: `Clinic ${run}` } }) },
    locationsList: expectOk('/v1/locations', 'member', 'Firestore query'),
    locationsGet: expectOk(`/v1/locations/${fx.locationId}`, 'member', 'an existing location'),
    locationsUpdate: {
      success: '200: an existing location renamed',
      expect: [200],
      probe: async (run) => ({ method: 'PATCH', path: `/v1/locations/${fx.locationId}`, token: await admin(), json: { name: `Main clinic ${run}` } }),
    },
    locationsDelete: {
      success: '200: a location made for this run deleted',
      expect: [200],
      probe: async () => ({ method: 'DELETE', path: `/v1/locations/${created(await ctx.gw('POST', '/v1/locations', { role: 'admin', json: { name: 'Doomed' } }), 'location')}`, token: await admin() }),
    },
    agentsCreate: { success: '201: an agent created', expect: [201], probe: async (run) => ({ method: 'POST', path: '/v1/agents', token: await member(), json: { name: `Receptionist ${run}` } }) },
    agentsList: expectOk('/v1/agents', 'member', 'Firestore query'),
    agentsGet: expectOk(`/v1/agents/${fx.agentId}`, 'member', 'an existing agent'),
    agentsUpdate: {
      success: '200: an existing agent renamed',
      expect: [200],
      probe: async (run) => ({ method: 'PATCH', path: `/v1/agents/${fx.agentId}`, token: await member(), json: { name: `Front desk ${run}` } }),
    },
    agentsDelete: {
      success: '200: an agent made for this run deleted',
      expect: [200],
      probe: async () => ({ method: 'DELETE', path: `/v1/agents/${created(await ctx.gw('POST', '/v1/agents', { json: { name: 'Doomed' } }), 'agent')}`, token: await admin() }),
    },
    auditList: expectOk('/v1/audit', 'admin', 'the tenant’s audit trail'),
    [taskEndpoints.settlePurchase.name]: {
      success: '200: outcome already_settled for an active number (Firestore read; no provider call needed)',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.settlePurchase, { tenantId: TENANT, numberId: fx.numberId }),
    },
    reconciliationFindings: expectOk('/v1/reconciliation/findings', 'admin', 'Firestore query'),
    reconciliationFindingRepair: {
      success: '200: an open toll-free finding made for this run (our number reserved, SPARE at the Somos sandbox) repaired: the registry read again, the record expired, the owner index released, the finding resolved',
      expect: [200],
      probe: async (run) => ({ method: 'POST', path: `/v1/reconciliation/findings/${await openTollFreeFinding(ctx, run)}/repair`, token: await admin() }),
    },
    [taskEndpoints.reconcileStart.name]: {
      success: '200: one task per platform and tenant account enqueued (dropped; Cloud Scheduler OIDC token)',
      expect: [200],
      probe: async (run) => ctx.taskProbe(taskEndpoints.reconcileStart, { runId: `cold-${run}-${randomBytes(3).toString('hex')}` }),
    },
    [taskEndpoints.reconcileAccount.name]: {
      success: '200: the platform Twilio account’s numbers listed at the sandbox and compared with Firestore',
      expect: [200],
      probe: async (run) => ctx.taskProbe(taskEndpoints.reconcileAccount, { runId: `cold-${run}`, provider: 'twilio', accountId: 'platform' }),
    },
    jobsChunkWorker: {
      success: '2xx: a Pub/Sub push of a chunk of a job made for this run (push OIDC token); its item task is enqueued (dropped)',
      expect: [200, 204],
      probe: async () => ctx.pushProbe('jobsChunkWorker', { tenantId: TENANT, jobId: await freshJob(), from: 0, to: 1, publishedAt: new Date().toISOString() }),
    },
    jobsDeadLetter: {
      success: '2xx: a dead-lettered chunk of a job made for this run (push OIDC token): its item fails, the job finishes',
      expect: [200, 204],
      probe: async () => ctx.pushProbe('jobsDeadLetter', { tenantId: TENANT, jobId: await freshJob(), from: 0, to: 1, publishedAt: new Date().toISOString() }),
    },
    [taskEndpoints.jobSweep.name]: {
      success: '200: the sweep’s indexed queries over stranded job items and open jobs (Cloud Scheduler OIDC token); what it enqueues is dropped',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.jobSweep, {}),
    },
    // ---- inbound messages (provider-signed) and their relay
    webhookTwilioInbound: {
      success: '200: an SMS to the fixture Twilio number, signed like Twilio (HMAC-SHA1 over PUBLIC_BASE_URL + path), verified with the platform account, recorded; the relay task is enqueued (dropped) when the number relays',
      expect: [200],
      probe: async () => {
        const params = { AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid, MessageSid: `SM${randomBytes(16).toString('hex')}`, From: '+14155550999', To: fx.twilioPhone, Body: 'cold start', NumMedia: '0' };
        const path = '/webhooks/twilio/inbound';
        const signature = twilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, `${ctx.publicBaseUrl}${path}`, params);
        return { method: 'POST', path, headers: { 'x-twilio-signature': signature }, body: { data: Buffer.from(new URLSearchParams(params).toString()), contentType: 'application/x-www-form-urlencoded' } };
      },
    },
    webhookPlivoInbound: {
      success: '200: an SMS to the fixture Plivo number, V3-signed (fresh nonce), verified, recorded',
      expect: [200],
      probe: async () => {
        const params = { From: '14155550888', To: fx.plivoPhone, Text: 'cold start', Type: 'sms', MessageUUID: randomUUID() };
        const path = '/webhooks/plivo/inbound';
        const nonce = String(BigInt(`0x${randomBytes(8).toString('hex')}`)).padStart(20, '1').slice(0, 20);
        const signature = plivoV3Signature(SANDBOX_ACCOUNTS.plivo.authToken, `${ctx.publicBaseUrl}${path}`, params, nonce);
        return {
          method: 'POST',
          path,
          headers: { 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce },
          body: { data: Buffer.from(new URLSearchParams(params).toString()), contentType: 'application/x-www-form-urlencoded' },
        };
      },
    },
    webhookTelnyxInbound: {
      success: '200: a message.received event signed by the Telnyx sandbox (Ed25519), verified, deduplicated (outcome "ignored": no Telnyx number held)',
      expect: [200],
      probe: async () => async (url) => {
        const telnyx = ctx.stack.sandboxes.telnyx;
        if (!telnyx) throw new Error('no Telnyx sandbox');
        const event = { eventType: 'message.received', id: randomUUID(), payload: { id: randomUUID(), from: { phone_number: '+14155550777' }, to: [{ phone_number: '+13125550888' }], text: 'cold start', media: [] } };
        const delivery = await telnyx.sendWebhook(event, { url: `${url}/webhooks/telnyx/inbound`, attempts: 1 });
        return { status: delivery.status, body: delivery.error ?? '' };
      },
    },
    webhookNotInService: {
      success: '200: a Twilio voice call (form with a CallSid) to an inactive number answered with the not-in-service TwiML (the operation reads and writes nothing by design)',
      expect: [200],
      probe: async () => {
        const params = { AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid, CallSid: `CA${randomBytes(16).toString('hex')}`, From: '+14155550999', To: fx.twilioPhone, CallStatus: 'ringing', Direction: 'inbound' };
        return { method: 'POST', path: '/webhooks/not-in-service/twilio', body: { data: Buffer.from(new URLSearchParams(params).toString()), contentType: 'application/x-www-form-urlencoded' } };
      },
    },
    deliveriesList: expectOk('/v1/deliveries', 'member', 'Firestore query of relayed messages'),
    [taskEndpoints.relayDelivery.name]: {
      success: '200: a queued delivery (written to Firestore for this run) relayed, signed, to a local receiver that answers 200',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.relayDelivery, { tenantId: TENANT, deliveryId: await queuedDelivery(ctx) }),
    },
    // ---- toll-free (Somos sandbox)
    tollfreeSearchAvailable: {
      success: '200: a random search at the Somos sandbox (a different NPA/quantity each run: the API caches searches for 5 minutes)',
      expect: [200],
      probe: async (run) => ({ method: 'GET', path: `/v1/tollfree/available?npa=${TF_NPAS[run % TF_NPAS.length]}&quantity=${1 + (run % 9)}`, token: await member() }),
    },
    tollfreeReserve: {
      success: '201: one number reserved at the Somos sandbox by a search spec',
      expect: [201],
      probe: async () => ({ method: 'POST', path: '/v1/tollfree/reservations', token: await admin(), json: { npa: '833', quantity: 1, ...TF_CONTACT } }),
    },
    tollfreeRelease: {
      success: '200: a number reserved for this run released at the Somos sandbox',
      expect: [200],
      probe: async () => ({ method: 'DELETE', path: `/v1/tollfree/reservations/${await reserveTollFree(ctx, '855')}`, token: await admin() }),
    },
    tollfreeRequestGet: expectOk(`/v1/tollfree/requests/${fx.tfRequestId}`, 'member', 'an asynchronous (202) reservation request'),
    tollfreeGet: expectOk(`/v1/tollfree/${fx.tfReserved}`, 'member', 'a reserved number with its registry record from the Somos sandbox'),
    tollfreeActivate: {
      success: '200: a number reserved for this run activated with SIP routing (customer record at the Somos sandbox)',
      expect: [200],
      probe: async () => ({ method: 'POST', path: `/v1/tollfree/${await reserveTollFree(ctx, '866')}/activate`, token: await admin(), json: { routing: TF_ROUTING } }),
    },
    tollfreeRoutingUpdate: {
      success: '200: the routing of the active fixture number changed at the Somos sandbox',
      expect: [200],
      probe: async (run) => ({
        method: 'PUT',
        path: `/v1/tollfree/${fx.tfActive}/routing`,
        token: await admin(),
        json: { routing: { primary: { type: 'sip', destination: `sip:line${run}@sbc.carrier.example:5061` } } },
      }),
    },
    tollfreeSmsEnable: {
      success: '200: text enablement requested at the Somos TSS stand-in for a number reserved and activated for this run',
      expect: [200],
      probe: async () => ({ method: 'POST', path: `/v1/tollfree/${await activeTollFree(ctx, '877')}/sms`, token: await admin(), json: { sms: true, mms: false } }),
    },
    tollfreeSmsStatus: expectOk(`/v1/tollfree/${fx.tfActive}/sms`, 'member', 'the pending text enablement of the active fixture number'),
    tollfreeSmsDisable: {
      success: '200: the pending TSS request of a number reserved, activated and text-enabled for this run withdrawn at the Somos TSS stand-in',
      expect: [200],
      probe: async () => {
        const number = await activeTollFree(ctx, '877');
        const requested = await ctx.gw('POST', `/v1/tollfree/${number}/sms`, { role: 'admin', json: { sms: true, mms: false } });
        if (requested.status !== 200) throw new Error(`fixture text enablement: ${requested.status} ${JSON.stringify(requested.body).slice(0, 300)}`);
        return { method: 'DELETE', path: `/v1/tollfree/${number}/sms`, token: await admin() };
      },
    },
    tollfreeDisconnect: {
      success: '200: a number reserved and activated for this run disconnected at the Somos sandbox (referral 10 days; its follow-up task enqueued, dropped)',
      expect: [200],
      probe: async (run) => ({ method: 'DELETE', path: `/v1/tollfree/${await activeTollFree(ctx, '888')}`, token: await admin(), json: { referralDays: 10, reason: `cold start ${run}` } }),
    },
    tollfreeRoutingVersions: expectOk(`/v1/tollfree/${fx.tfActive}/routing`, 'member', 'the active fixture number’s routing versions with the customer record versions listed by the Somos sandbox'),
    tollfreeRoutingVersionCancel: {
      success: '200: a routing version scheduled for tomorrow on a number activated for this run cancelled (deleted at the Somos sandbox)',
      expect: [200],
      probe: async (run) => {
        const number = await activeTollFree(ctx, '866');
        const effectiveAt = new Date(Date.now() + 24 * 60 * 60 * 1000).toISOString();
        const scheduled = await ctx.gw('PUT', `/v1/tollfree/${number}/routing`, {
          role: 'admin',
          json: { routing: { primary: { type: 'sip', destination: `sip:later${run}@sbc.carrier.example:5061` } }, effectiveAt },
        });
        const versionId = scheduled.status === 200 ? ScheduledRouting.safeParse(scheduled.body).data?.scheduledRouting[0]?.id : undefined;
        if (!versionId) throw new Error(`fixture scheduled routing: ${scheduled.status} ${JSON.stringify(scheduled.body).slice(0, 300)}`);
        return { method: 'DELETE', path: `/v1/tollfree/${number}/routing/${versionId}`, token: await admin() };
      },
    },
    resporgEntitiesList: expectOk('/v1/resporg/entities', 'member', 'the RespOrg entity from the Somos sandbox'),
    resporgEntityRoids: expectOk('/v1/resporg/entities/NP/roids', 'member', 'the entity’s RespOrg units from the Somos sandbox'),
    resporgTransfersCreate: {
      success: '201: a transfer in of a number seeded at another RespOrg for this run (RespOrg change at the Somos sandbox)',
      expect: [201],
      probe: async (run) => {
        const number = reservedElsewhere(ctx, '84455502', run);
        return { method: 'POST', path: '/v1/resporg/transfers', token: await admin(), json: { numbers: [number], fromRespOrgId: 'OTH01', loaId: fx.loaId, loaReference: `LOA-cold-${run}` } };
      },
    },
    resporgTransfersCancel: {
      success: '200: a transfer in made for this run (a number seeded at another RespOrg) cancelled: its open RespOrg change withdrawn at the Somos sandbox',
      expect: [200],
      probe: async (run) => {
        const number = reservedElsewhere(ctx, '84455504', run);
        const transfer = await ctx.gw('POST', '/v1/resporg/transfers', { role: 'admin', json: { numbers: [number], fromRespOrgId: 'OTH01', loaId: fx.loaId, loaReference: `LOA-cancel-${run}` } });
        return { method: 'POST', path: `/v1/resporg/transfers/${created(transfer, 'transfer')}/cancel`, token: await admin() };
      },
    },
    resporgLoaUpload: {
      success: '201: a 2 KB signed LOA (multipart PDF) checked and stored in the document store',
      expect: [201],
      probe: async () => ({ method: 'POST', path: '/v1/resporg/loas', token: await admin(), body: multipartPdf() }),
    },
    resporgTransfersGet: expectOk(`/v1/resporg/transfers/${fx.transferId}`, 'member', 'the fixture transfer'),
    webhookSomosRsv: {
      success: '200: a reservation notification (shared-secret header) for the reserved fixture number, applied or found stale',
      expect: [200],
      probe: async () => ({
        method: 'POST',
        path: '/webhooks/somos/v3/ext/uns/rsv',
        headers: { 'x-somos-notification-secret': ctx.somosSecret },
        json: { tfNumList: [{ tfn_number: fx.tfReserved }], RespOrgId: 'NPS01' },
      }),
    },
    webhookSomosRch: {
      success: '200: a RespOrg-change notification (APPROVED) for the fixture transfer, applied or found stale',
      expect: [200],
      probe: async () => ({
        method: 'POST',
        path: '/webhooks/somos/v3/ext/uns/rch',
        headers: { 'x-somos-notification-secret': ctx.somosSecret },
        json: { tfNum: fx.transferNumber, respOrgId: 'NPS01', oldRespOrgId: 'OTH01', newRespOrgId: 'NPS01', status: 'APPROVED' },
      }),
    },
    [taskEndpoints.somosFollowup.name]: {
      success: '200: polls the pending text enablement of the active fixture number at the TSS stand-in; the next poll is enqueued (dropped)',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.somosFollowup, { kind: 'sms', tenantId: TENANT, number: fx.tfActive, attempt: 0 }),
    },
    [taskEndpoints.somosTokenRefresh.name]: {
      success: '200: the scheduled token check (token state from the secret store and its Firestore lease; "none" while the token is fresh)',
      expect: [200],
      probe: async () => ctx.taskProbe(taskEndpoints.somosTokenRefresh, {}),
    },
  };
}

/** A FR local group with every requirement filled (textual, address, document), in `tenant`. */
async function completeGroup(ctx: Ctx, tenant: string): Promise<string> {
  const res = await ctx.gw('POST', '/v1/requirement-groups', { tenant, json: { country: 'FR', type: 'local' } });
  if (res.status !== 201 && res.status !== 200) throw new Error(`fixture group: ${res.status} ${JSON.stringify(res.body)}`);
  const { id, requirements } = CreatedGroup.parse(res.body);
  for (const requirement of requirements) {
    let saved;
    if (requirement.kind === 'document') {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(PDF)]), 'bill.pdf');
      saved = await ctx.gw('POST', `/v1/requirement-groups/${id}/documents/${requirement.id}`, { tenant, form });
    } else if (requirement.kind === 'address') {
      // An address requirement takes one of the tenant's addresses (POST /v1/addresses), never free text.
      const address = await ctx.gw('POST', '/v1/addresses', { tenant, json: FR_ADDRESS });
      if (address.status !== 201 && address.status !== 200) throw new Error(`fixture address: ${address.status} ${JSON.stringify(address.body).slice(0, 300)}`);
      saved = await ctx.gw('POST', `/v1/requirement-groups/${id}/values/${requirement.id}`, { tenant, json: { addressId: Created.parse(address.body).id } });
    } else {
      saved = await ctx.gw('POST', `/v1/requirement-groups/${id}/values/${requirement.id}`, { tenant, json: { value: 'Gig Works SAS' } });
    }
    if (saved.status !== 200) throw new Error(`fixture group value ${requirement.kind}: ${saved.status} ${JSON.stringify(saved.body).slice(0, 300)}`);
  }
  return id;
}

const FR_ADDRESS = { businessName: 'Gig Works SAS', firstName: 'Ada', lastName: 'Martin', streetAddress: '8 Rue de Rivoli', locality: 'Paris', postalCode: '75004', country: 'FR' };
const TF_NPAS = ['833', '844', '855', '866', '877', '888', '800'];
const TF_CONTACT = { contactName: 'NOC desk', contactPhone: '+13125550111' };
const TF_ROUTING = { primary: { type: 'sip', destination: 'sip:support@sbc.carrier.example:5061' } };

/** One toll-free number reserved (by search spec) at the Somos sandbox through the gateway. */
async function reserveTollFree(ctx: Pick<Ctx, 'gw'>, npa: string): Promise<string> {
  const res = await ctx.gw('POST', '/v1/tollfree/reservations', { role: 'admin', json: { npa, quantity: 1, ...TF_CONTACT } });
  const reserved = TollFreeReservations.safeParse(res.body);
  const id = reserved.success ? reserved.data.data[0]?.id : undefined;
  if (res.status !== 201 || !id) throw new Error(`fixture toll-free reservation: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return id;
}

/** A toll-free number of this run (`prefix` + the run's two digits) seeded as reserved by another RespOrg (OTH01): one to transfer in. */
function reservedElsewhere(ctx: Pick<Ctx, 'somos'>, prefix: string, run: number): string {
  const number = `${prefix}${String(run % 100).padStart(2, '0')}`;
  ctx.somos().seedNumber(number, { status: 'RESERVED', respOrgId: 'OTH01' });
  return number;
}

/** One toll-free number reserved and activated (SIP routing) at the Somos sandbox through the gateway. */
async function activeTollFree(ctx: Pick<Ctx, 'gw'>, npa: string): Promise<string> {
  const number = await reserveTollFree(ctx, npa);
  const activated = await ctx.gw('POST', `/v1/tollfree/${number}/activate`, { role: 'admin', json: { routing: TF_ROUTING } });
  if (activated.status !== 200) throw new Error(`fixture activate: ${activated.status} ${JSON.stringify(activated.body).slice(0, 300)}`);
  return number;
}

/**
 * An open toll-free finding as reconciliation records it (written straight to Firestore): a number
 * reserved for this run that went SPARE at the Somos sandbox. Its id.
 */
async function openTollFreeFinding(ctx: Pick<Ctx, 'gw' | 'somos'>, run: number): Promise<string> {
  const number = await reserveTollFree(ctx, '855');
  ctx.somos().seedNumber(number, { status: 'SPARE' });
  const { getFirestore } = await import('../shared/store/firestore.js');
  const db = await getFirestore(PROJECT);
  const id = `tollfree_status_mismatch_NPS01_${number}`;
  const now = new Date().toISOString();
  await db.doc(`tenants/${TENANT}/reconciliationFindings/${id}`).set({
    id,
    tenantId: TENANT,
    kind: 'tollfree_status_mismatch',
    provider: 'somos',
    accountId: 'NPS01',
    phoneNumber: `+1${number}`,
    numberId: number,
    status: 'open',
    firstSeenAt: now,
    lastSeenAt: now,
    runId: `cold-${run}`,
    details: { ourStatus: 'reserved', registryStatus: 'SPARE' },
  });
  return id;
}

/** A queued inbound-message delivery, written straight to Firestore, aimed at the local receiver. */
async function queuedDelivery(ctx: Pick<Ctx, 'fx' | 'callbackUrl'>): Promise<string> {
  const { getFirestore } = await import('../shared/store/firestore.js');
  const db = await getFirestore(PROJECT);
  const id = `dlv_${randomBytes(10).toString('hex')}`;
  const now = new Date().toISOString();
  await db.doc(`tenants/${TENANT}/deliveries/${id}`).create({
    id,
    tenantId: TENANT,
    numberId: ctx.fx.numberId,
    webhookUrl: ctx.callbackUrl,
    message: { id: `msg_${randomBytes(10).toString('hex')}`, provider: 'twilio', providerMessageId: `SM${randomBytes(16).toString('hex')}`, type: 'sms', from: '+14155550999', to: ctx.fx.twilioPhone, text: 'cold start', media: [], receivedAt: now, numberId: ctx.fx.numberId },
    status: 'queued',
    attempts: [],
    createdAt: now,
  });
  return id;
}

async function makeFixtures(ctx: Omit<Ctx, 'fx'>): Promise<Fixtures> {
  const must = (res: GatewayAnswer, status: number, what: string): unknown => {
    if (res.status !== status) throw new Error(`fixture ${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  };
  const number = CreatedNumber.parse(must(await ctx.gw('POST', '/v1/numbers', { json: { provider: 'twilio', phoneNumber: await ctx.nextTwilioNumber(), externalRef: 'gig-cold' } }), 201, 'number'));
  const location = Created.parse(must(await ctx.gw('POST', '/v1/locations', { role: 'admin', json: { name: 'Main clinic' } }), 201, 'location'));
  const agent = Created.parse(must(await ctx.gw('POST', '/v1/agents', { json: { name: 'Front desk' } }), 201, 'agent'));
  const address = Created.parse(must(await ctx.gw('POST', '/v1/addresses', { json: FR_ADDRESS }), 201, 'address'));
  const job = Created.parse(
    must(
      await ctx.gw('POST', '/v1/jobs', { json: { type: 'update', provider: 'twilio', items: [{ numberId: number.id, changes: { displayName: 'bulk' } }] } }),
      202,
      'job',
    ),
  );
  const listedNumber = Created.parse(must(await ctx.gw('POST', '/v1/numbers', { tenant: JOBS_TENANT, json: { provider: 'twilio', phoneNumber: await ctx.nextTwilioNumber() } }), 201, 'listed jobs’ number'));
  for (let i = 0; i < LISTED_JOBS; i++) {
    const items = [{ numberId: listedNumber.id, changes: { displayName: `bulk ${i}` } }];
    must(await ctx.gw('POST', '/v1/jobs', { tenant: JOBS_TENANT, json: { type: 'update', provider: 'twilio', items } }), 202, 'listed job');
  }
  const group = CreatedGroup.parse(must(await ctx.gw('POST', '/v1/requirement-groups', { json: { country: 'FR', type: 'local' } }), 201, 'requirement group'));
  const requirements = group.requirements;
  const textual = requirements.find((r) => r.kind === 'textual');
  const document = requirements.find((r) => r.kind === 'document');
  if (!textual || !document) throw new Error(`fixture group lacks textual/document requirements: ${JSON.stringify(requirements)}`);
  // A submitted (pending) group: status and the poll task refresh it from the provider.
  const pendingGroupId = await completeGroup(ctx as Ctx, PENDING_TENANT);
  must(await ctx.gw('POST', `/v1/requirement-groups/${pendingGroupId}/submit`, { tenant: PENDING_TENANT }), 200, 'submit');
  must(await ctx.gw('POST', '/v1/signing-secret', { role: 'admin' }), 201, 'signing secret'); // relayed messages and callbacks are signed with it

  const [plivoCandidate] = AvailableNumbers.parse(must(await ctx.gw('GET', '/v1/numbers/available?provider=plivo&country=US&areaCode=212&limit=1'), 200, 'plivo search')).data;
  if (!plivoCandidate) throw new Error('fixture: the Plivo sandbox offered no number');
  must(await ctx.gw('POST', '/v1/numbers', { json: { provider: 'plivo', phoneNumber: plivoCandidate.phoneNumber } }), 201, 'plivo number');

  // Toll-free: reserved; active with text enablement pending; a request answered 202; a transfer in.
  const tfReserved = await reserveTollFree(ctx, '833');
  const tfActive = await reserveTollFree(ctx, '844');
  must(await ctx.gw('POST', `/v1/tollfree/${tfActive}/activate`, { role: 'admin', json: { routing: TF_ROUTING } }), 200, 'toll-free activation');
  must(await ctx.gw('POST', `/v1/tollfree/${tfActive}/sms`, { role: 'admin', json: { sms: true, mms: false } }), 200, 'text enablement');
  const somos = ctx.somos();
  somos.configure({ syncTimeoutPaths: ['/v3/ip/num/tfn/srchres'] });
  let pending;
  try {
    pending = PendingRequest.parse(must(await ctx.gw('POST', '/v1/tollfree/reservations', { role: 'admin', json: { npa: '888', quantity: 1, ...TF_CONTACT } }), 202, 'asynchronous reservation'));
  } finally {
    somos.configure({ syncTimeoutPaths: [] });
  }
  const transferNumber = '8445550300';
  somos.seedNumber(transferNumber, { status: 'RESERVED', respOrgId: 'OTH01' });
  // A transfer in names a signed LOA uploaded beforehand (POST /v1/resporg/loas, multipart PDF).
  const loaForm = new FormData();
  loaForm.append('file', new Blob([new Uint8Array(PDF)], { type: 'application/pdf' }), 'signed-loa.pdf');
  const loaId = Created.parse(must(await ctx.gw('POST', '/v1/resporg/loas', { role: 'admin', form: loaForm }), 201, 'LOA upload')).id;
  const transfer = Created.parse(must(await ctx.gw('POST', '/v1/resporg/transfers', { role: 'admin', json: { numbers: [transferNumber], fromRespOrgId: 'OTH01', loaId, loaReference: 'LOA-cold' } }), 201, 'transfer'));
  return {
    numberId: number.id,
    locationId: location.id,
    agentId: agent.id,
    jobId: job.id,
    groupId: group.id,
    textualId: textual.id,
    documentId: document.id,
    addressId: address.id,
    pendingGroupId,
    twilioPhone: number.phoneNumber,
    plivoPhone: plivoCandidate.phoneNumber,
    tfReserved,
    tfActive,
    tfRequestId: pending.requestId,
    transferId: transfer.id,
    loaId,
    transferNumber,
  };
}

// ---------------------------------------------------------------------------------------------
// Starting one function and timing it

interface Target {
  name: string;
  /** A function of dist/deploy, started as deployed (FUNCTION_TARGET, the package's main), or a file (--source). */
  source: { deployed: true } | { file: string };
}

interface RunResult {
  ok: boolean;
  totalMs: number;
  readyMs: number;
  /** CPU time (user + system, all threads) the process had used when its response arrived; Linux only. */
  cpuMs: number;
  status: number;
  detail?: string;
  requestAt: number;
  trace?: [string, number][];
  /** The bare function started just before this run (paired: load on the machine changes slowly). */
  bare?: RunResult;
}

let env: NodeJS.ProcessEnv = {};
let preloadPath = '';
let workDir = '';
/**
 * Each function's compile cache as its deploy's build step fills it (scripts/warm-compile-cache.mjs with
 * GOOGLE_FUNCTION_TARGET: its own bundle, the framework and the Google clients), made on first use
 * outside the timing; '' = measure without (--no-compile-cache, or warming failed).
 */
const compileCaches = new Map<string, string>();
function compileCacheOf(name: string): string {
  if (args['no-compile-cache']) return '';
  let dir = compileCaches.get(name);
  if (dir === undefined) {
    dir = path.join(workDir, `compile-cache-of-${name}`);
    const warm = spawnSync(process.execPath, [path.join(DEPLOY_DIR, 'warm-compile-cache.mjs')], {
      cwd: DEPLOY_DIR,
      env: { ...process.env, NODE_COMPILE_CACHE: dir, GOOGLE_FUNCTION_TARGET: name },
      encoding: 'utf8',
    });
    if (warm.status !== 0) {
      say(`compile cache of ${name} could not be warmed (measured without): ${warm.stderr.trim().split('\n').at(-1) ?? ''}`);
      dir = '';
    }
    compileCaches.set(name, dir);
  }
  return dir;
}
const children = new Set<ChildProcess>();

function waitForPort(port: number, child: ChildProcess, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before listening`));
      if (Date.now() > deadline) return reject(new Error('did not listen in time'));
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        setTimeout(attempt, 2);
      });
    };
    attempt();
  });
}

function send(url: string, probe: HttpProbe, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = probe.body?.data ?? (probe.json !== undefined ? Buffer.from(JSON.stringify(probe.json)) : undefined);
    const headers: Record<string, string> = { ...probe.headers };
    // As API Gateway delivers it: the caller's token also in X-Forwarded-Authorization, where a
    // function reads it when AUTH_VIA_GATEWAY is on (as deployed); Authorization otherwise.
    if (probe.token) headers.authorization = headers['x-forwarded-authorization'] = `Bearer ${probe.token}`;
    if (payload) {
      headers['content-type'] = probe.body?.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const req = httpRequest(`${url}${probe.path}`, { method: probe.method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

const CLOCK_TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(r.stdout?.trim()) || 100;
})();
/** utime + stime of a process from /proc (10 ms resolution); NaN where there is no /proc. */
function cpuTime(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM'); // the framework exits on SIGTERM; the preload writes its trace on exit
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** `cacheOf`: whose compile cache the process starts from (a function's own; the bare start, its paired function's). */
async function measure(target: Target, probe: Probe, expect: number[], trace: boolean, cacheOf: string): Promise<RunResult> {
  const port = await findFreePort();
  const traceFile = trace ? path.join(workDir, `trace-${target.name}-${randomBytes(4).toString('hex')}.json`) : undefined;
  const deployed = 'deployed' in target.source;
  const preload = deployed || traceFile ? ['--import', pathToFileURL(preloadPath).href] : [];
  // --cpu-prof DIR: a V8 CPU profile of every function process (written when it exits), to see where a cold start goes.
  if (args['cpu-prof']) preload.unshift('--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`, '--cpu-prof-interval=250');
  // Each process starts from the build's compile cache as a fresh instance does: a copy of its own, so
  // nothing one run compiles is there for the next (the copy is made before the clock starts).
  let compileCache: string | undefined;
  const warmCompileCache = compileCacheOf(cacheOf);
  if (warmCompileCache) {
    compileCache = path.join(workDir, `compile-cache-${target.name}-${randomBytes(4).toString('hex')}`);
    cpSync(warmCompileCache, compileCache, { recursive: true });
  }
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    ...(compileCache ? { NODE_COMPILE_CACHE: compileCache } : {}),
    // As Cloud Run sets it for the deployed function; the stub task queue for function processes only.
    ...(deployed ? { FUNCTION_TARGET: target.name, COLDSTART_LOCAL_TASKS: '1' } : {}),
    ...(traceFile ? { COLDSTART_TRACE_FILE: traceFile } : {}),
    ...(args['io-trace'] ? { COLDSTART_IO_FILE: path.join(path.resolve(args['io-trace']), target.name) } : {}),
  };
  const output: string[] = [];
  const started = now();
  const source = 'file' in target.source ? [`--source=${target.source.file}`] : [];
  const child = spawn(process.execPath, [...preload, FRAMEWORK_MAIN, `--target=${target.name}`, `--port=${port}`, ...source], {
    cwd: deployed ? DEPLOY_DIR : ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  let result: RunResult;
  let readyMs = NaN;
  let requestAt = NaN;
  try {
    await waitForPort(port, child, Date.now() + START_TIMEOUT_MS);
    readyMs = now() - started;
    requestAt = now();
    const res = typeof probe === 'function' ? await probe(url) : await send(url, probe, START_TIMEOUT_MS);
    const totalMs = now() - started;
    const cpuMs = cpuTime(child.pid);
    const ok = expect.includes(res.status);
    // A wrong answer: its body, and what the function logged (the cause is often only there).
    const logged = () => output.join('').split('\n').filter((l) => /"severity":"(ERROR|WARNING)"/.test(l)).slice(-3).map((l) => l.slice(0, 700)).join('\n');
    result = { ok, totalMs, readyMs, cpuMs, status: res.status, requestAt, ...(ok ? {} : { detail: `${res.status} ${res.body.slice(0, 400)}\n${logged()}` }) };
  } catch (err) {
    result = { ok: false, totalMs: NaN, readyMs, cpuMs: NaN, status: 0, requestAt, detail: `${(err as Error).message}\n${output.join('').slice(-1500)}` };
  }
  await stopChild(child);
  children.delete(child);
  if (compileCache) rmSync(compileCache, { recursive: true, force: true });
  if (traceFile) {
    try {
      result.trace = JSON.parse(readFileSync(traceFile, 'utf8')) as [string, number][];
    } catch {
      // a process killed with SIGKILL leaves no trace
    }
  }
  return result;
}

// The preload: module trace (registerHooks, in-thread) and the stub task queue.
const PRELOAD = `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const traceFile = process.env.COLDSTART_TRACE_FILE;
if (traceFile && typeof registerHooks === 'function') {
  const seen = new Map();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const result = nextResolve(specifier, context);
      if (!seen.has(result.url)) seen.set(result.url, performance.timeOrigin + performance.now());
      return result;
    },
  });
  process.on('exit', () => {
    try { writeFileSync(traceFile, JSON.stringify([...seen])); } catch {}
  });
}
if (process.env.COLDSTART_IO_FILE) {
  // --io-trace DIR: when each outgoing call left and its answer came back (ms since the process started).
  const dc = await import('node:diagnostics_channel');
  // What each call asked for (the documents read, written or queried): the start of its body, for reading a trace.
  const { ClientRequest } = await import('node:http');
  const keep = (request, chunk) => { if (chunk && typeof chunk !== 'function' && (request.__coldstartBody ?? '').length < 1500) request.__coldstartBody = (request.__coldstartBody ?? '') + String(chunk).slice(0, 1500); };
  const { write, end } = ClientRequest.prototype;
  ClientRequest.prototype.write = function (chunk, ...rest) { keep(this, chunk); return write.call(this, chunk, ...rest); };
  ClientRequest.prototype.end = function (chunk, ...rest) { keep(this, chunk); return end.call(this, chunk, ...rest); };
  const io = [];
  const at = () => Math.round(performance.now());
  dc.subscribe('http.server.request.start', () => { io.push({ what: 'request in', at: at() }); });
  dc.subscribe('http.server.response.finish', () => { io.push({ what: 'response out', at: at() }); });
  dc.subscribe('http.client.request.start', ({ request }) => {
    const call = { what: request.method + ' ' + request.path.replace(/^.*documents/, '').replace(/[?].*$/, ''), at: at() };
    io.push(call);
    if (request.__coldstartBody) call.body = request.__coldstartBody;
    request.once('response', (res) => { call.headers = at(); res.once('end', () => { call.end = at(); }); });
  });
  dc.subscribe('undici:request:create', ({ request }) => { const call = { what: request.method + ' ' + request.origin + request.path.replace(/[?].*$/, ''), at: at() }; io.push(call); request.__coldstartCall = call; });
  dc.subscribe('undici:request:headers', ({ request }) => { if (request.__coldstartCall) request.__coldstartCall.headers = at(); });
  dc.subscribe('undici:request:trailers', ({ request }) => { if (request.__coldstartCall) request.__coldstartCall.end = at(); });
  process.on('exit', () => { try { writeFileSync(process.env.COLDSTART_IO_FILE + '-' + process.pid + '.json', JSON.stringify(io)); } catch {} });
}
if (process.env.COLDSTART_LOCAL_TASKS) {
  // No Cloud Tasks here: accept and drop what a function enqueues (production makes one REST call instead). shared/deps.ts reads the dev stack's registrations from here (useLocalTaskQueue), in any copy of it.
  const local = (globalThis[Symbol.for('numbers-platform.local-deps')] ??= {});
  let n = 0;
  local.taskQueue = { enqueue: async (task) => ({ name: task.id ?? 'coldstart-' + ++n, deduplicated: false }) };
}
`;

const BARE = `import * as functions from ${JSON.stringify(pathToFileURL(FRAMEWORK_INDEX).href)};
functions.http('bare', (req, res) => { res.send('ok'); });
`;

// ---------------------------------------------------------------------------------------------
// Module summary

const HEAVY = ['@google-cloud/firestore', '@google-cloud/pubsub', '@google-cloud/secret-manager', 'google-gax', '@grpc/grpc-js', 'undici', 'zod', 'jose', 'libphonenumber-js'];
const SHORT: Record<string, string> = {
  '@google-cloud/firestore': 'firestore',
  '@google-cloud/pubsub': 'pubsub',
  '@google-cloud/secret-manager': 'secret-manager',
  'google-gax': 'gax',
  '@grpc/grpc-js': 'grpc',
};

type Phase = 'startup' | 'request' | 'both';
interface ModuleSummary {
  /** Files the process loaded (resolved URLs: node: builtins, package files, bundle files), in all and before the request. */
  total: number;
  beforeRequest: number;
  /** The source modules of this repository those files hold (a bundle file holds many), in all and before the request. */
  sources: number;
  sourcesBeforeRequest: number;
  /** Heavy packages and provider modules: when they were loaded (startup = before the request was sent). */
  heavy: Record<string, Phase>;
  providers: Record<string, Phase>;
}

/**
 * Which source modules each function runs at startup and which its operation adds on the first request
 * (dist/function-bundles.json, written by the build): a bundle is one file that the loader reads, so the
 * module trace sees the packages and Node's modules it loads, not the modules inside it.
 */
interface BundleIndex {
  functions: { name: string; startup: string[]; operation?: { modules: string[] } }[];
}
let bundleModules = new Map<string, { startup: string[]; request: string[] }>();
function loadBundleIndex(): void {
  const index = JSON.parse(readFileSync(BUNDLE_REPORT, 'utf8')) as BundleIndex;
  bundleModules = new Map(index.functions.map((f) => [f.name, { startup: f.startup, request: f.operation?.modules ?? [] }]));
}

function summarize(name: string, trace: [string, number][], requestAt: number): ModuleSummary {
  const heavy: Record<string, Phase> = {};
  const providers: Record<string, Phase> = {};
  const sources = new Map<string, Phase>();
  const mark = (rec: Record<string, Phase>, key: string, phase: 'startup' | 'request') => {
    const seen = rec[key];
    rec[key] = seen === undefined || seen === phase ? phase : 'both';
  };
  let beforeRequest = 0;
  for (const [url, at] of trace) {
    const phase = at < requestAt ? 'startup' : 'request';
    if (phase === 'startup') beforeRequest++;
    // A package's own files, or its one bundled copy in the deployable source (dist/deploy/vendor/undici.mjs,
    // vendor/@google-cloud/firestore.mjs: the loader of its .cjs, which the module trace does not see).
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? /\/dist\/deploy\/vendor\/((?:@[^/]+\/)?[^/]+)\.mjs$/.exec(url)?.[1];
    if (pkg && HEAVY.includes(pkg)) mark(heavy, pkg, phase);
  }
  const own = bundleModules.get(name);
  for (const phase of ['startup', 'request'] as const) {
    for (const input of own?.[phase] ?? []) {
      if (input.startsWith('node_modules/')) {
        const bundled = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
        if (bundled && HEAVY.includes(bundled)) mark(heavy, bundled, phase);
        continue;
      }
      if (!sources.has(input)) sources.set(input, phase);
      const provider = /^shared\/providers\/([^/]+)\//.exec(input)?.[1];
      if (provider) mark(providers, provider, phase);
    }
  }
  const sourcesBeforeRequest = [...sources.values()].filter((p) => p === 'startup').length;
  return { total: trace.length, beforeRequest, sources: sources.size, sourcesBeforeRequest, heavy, providers };
}

/** `name` loaded by the request, `name*` already at startup, `name*+` both (more of it loaded by the request). */
const describeModules = (m: ModuleSummary | undefined) => {
  if (!m) return '';
  const suffix: Record<Phase, string> = { startup: '*', request: '', both: '*+' };
  const part = (rec: Record<string, Phase>, names: (k: string) => string) =>
    Object.entries(rec)
      .filter(([k]) => k !== 'zod' && k !== 'jose' && k !== '@grpc/grpc-js') // zod: every function (schemas, bundled); jose: every authenticated one; grpc: with firestore
      .map(([k, phase]) => `${names(k)}${suffix[phase]}`)
      .join(' ');
  return [part(m.heavy, (k) => SHORT[k] ?? k), part(m.providers, (k) => `[${k}]`)].filter(Boolean).join(' ');
};

// ---------------------------------------------------------------------------------------------

async function run(): Promise<number> {
  say(`node ${process.version} (${process.execPath}), ${availableParallelism()} cpus, runs ${RUNS}, concurrency ${CONCURRENCY}, target ≤ ${TARGET_RATIO} × bare`);
  if (!args['no-build']) {
    say('building dist/ and the function bundles (npm run build: tsc, then scripts/build-functions.ts)…');
    const tsc = spawnSync(process.execPath, [requireHere.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    const bundles = tsc.status === 0 ? spawnSync(process.execPath, [requireHere.resolve('tsx/cli'), 'scripts/build-functions.ts'], { cwd: ROOT, encoding: 'utf8' }) : tsc;
    if (bundles.status !== 0) {
      say(`build failed:\n${bundles.stdout}${bundles.stderr}`);
      return 2;
    }
    say(bundles.stdout.trim().split('\n').at(-1) ?? 'bundles built');
  }
  for (const file of [DISPATCHER, BUNDLE_REPORT]) {
    if (!existsSync(file)) {
      say(`${file} is missing: build first (npm run build)`);
      return 2;
    }
  }
  loadBundleIndex();
  // The endpoint table as deployed (dist), not as the sources say right now.
  const { endpoints, eventFunctions } = (await import(pathToFileURL(path.join(ROOT, 'dist/functions/endpoints.js')).href)) as typeof import('../functions/endpoints.js');

  for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
  process.env.LOCAL_RECONCILE_INTERVAL_MINUTES = '0'; // no scheduler stand-ins in the background
  process.env.LOCAL_SOMOS_REFRESH_INTERVAL_MINUTES = '0';
  process.env.LOCAL_JOB_SWEEP_INTERVAL_MINUTES = '0';
  const logs: string[] = [];
  setLogSink((line) => {
    if (/"severity":"(ERROR|CRITICAL)"/.test(line)) logs.push(line.slice(0, 600));
  });

  const cleanup: (() => Promise<unknown>)[] = [];
  const onExit = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.on('exit', onExit);
  // Ctrl-C or a kill: stop the emulators and the stack too (they are not children of this process).
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the stack and the emulators…`);
    for (const child of children) child.kill('SIGKILL');
    void (async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    workDir = await mkdtemp(path.join(tmpdir(), 'bench-coldstart-'));
    if (args['io-trace']) await mkdir(path.resolve(args['io-trace']), { recursive: true });
    cleanup.push(() => rm(workDir, { recursive: true, force: true }));
    preloadPath = path.join(workDir, 'preload.mjs');
    await writeFile(preloadPath, PRELOAD);
    const bareDir = path.join(workDir, 'bare');
    await mkdir(bareDir);
    await writeFile(path.join(bareDir, 'package.json'), '{"type":"module"}\n');
    await writeFile(path.join(bareDir, 'index.js'), BARE);

    say('starting the emulators and the dev stack…');
    let stack: Stack;
    try {
      const started = await Promise.allSettled([startFirestoreEmulator({}), startPubsubEmulator({})]);
      for (const r of started) if (r.status === 'fulfilled') cleanup.push(() => r.value.stop());
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const [firestore, pubsub] = started.map((r) => (r as PromiseFulfilledResult<EmulatorHandle>).value) as [EmulatorHandle, EmulatorHandle];
      const before = { ...process.env };
      stack = await startStack({ port: 0, dataDir: path.join(workDir, 'data'), projectId: PROJECT, fresh: true, firestoreHost: firestore.host, pubsubHost: pubsub.host });
      const running = stack;
      cleanup.push(() => running.stop());
      // The functions get what the stack set (emulators, sandboxes, keys, PUBLIC_BASE_URL…), as deployed:
      // NODE_ENV=production, and Firestore over REST (production's transport; shared/store/firestore.ts).
      const set = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => before[k] !== v));
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'NODE_OPTIONS' && k !== 'NODE_COMPILE_CACHE'));
      env = { ...base, ...set, NODE_ENV: 'production', FIRESTORE_PREFER_REST: 'true' };
      await deletePushSubscriptions(pubsub.host, PROJECT);
    } catch (err) {
      say(err instanceof MissingToolError ? err.message : `the stack could not start: ${(err as Error).stack ?? String(err)}`);
      return 2;
    }

    // Fixtures through the gateway (functions in this process).
    const tokens = new Map<string, Promise<string>>();
    const token = (tenant: string, role: Role) => {
      const key = `${tenant}/${role}`;
      if (!tokens.has(key)) tokens.set(key, stack.token(tenant, role, `${role}-${tenant}`));
      return tokens.get(key)!;
    };
    const gw: Ctx['gw'] = async (method, p, options = {}) => {
      const headers: Record<string, string> = { authorization: `Bearer ${await token(options.tenant ?? TENANT, options.role ?? 'member')}` };
      let body: string | FormData | undefined;
      if (options.form) body = options.form;
      else if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${stack.url}${p}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed };
    };
    const handedOut = new Set<string>();
    const nextTwilioNumber = async () => {
      for (const areaCode of ['415', '212', '312', '617', '206', '512', '303', '404']) {
        const res = await gw('GET', `/v1/numbers/available?provider=twilio&areaCode=${areaCode}&limit=30`);
        const offered = AvailableNumbers.safeParse(res.body);
        const free = offered.success ? offered.data.data.map((n) => n.phoneNumber).find((n) => !handedOut.has(n)) : undefined;
        if (free) {
          handedOut.add(free);
          return free;
        }
      }
      throw new Error('the Twilio sandbox has no more available numbers');
    };
    const config = getConfig();
    const taskProbe: Ctx['taskProbe'] = async (endpoint, json) => {
      const { audience } = taskTarget(config, endpoint);
      return { method: 'POST', path: endpoint.path, token: await stack.taskToken(audience), json };
    };
    let messageSeq = 0;
    const pushProbe: Ctx['pushProbe'] = async (name, data) => ({
      method: 'POST',
      path: '/',
      token: await stack.pushToken(pushTarget(config, { name }).audience),
      json: {
        message: { data: Buffer.from(JSON.stringify(data)).toString('base64'), messageId: `coldstart-${++messageSeq}`, publishTime: new Date().toISOString(), attributes: {} },
        subscription: `projects/${PROJECT}/subscriptions/coldstart`,
      },
    });
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => receiver.close(resolve)));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/job-finished`;

    say(`stack on ${stack.url}; making fixtures…`);
    const somos = () => {
      if (!stack.sandboxes.somos) throw new Error('the stack did not start its Somos sandbox');
      return stack.sandboxes.somos;
    };
    const base = {
      stack,
      token,
      gw,
      taskProbe,
      pushProbe,
      nextTwilioNumber,
      callbackUrl,
      publicBaseUrl: (config.PUBLIC_BASE_URL ?? stack.url).replace(/\/$/, ''),
      somos,
      somosSecret: config.SOMOS_NOTIFICATION_SECRET ?? '',
    };
    const fx = await makeFixtures(base);
    const ctx: Ctx = { ...base, fx };
    const table = samples(ctx);

    const all = [...endpoints.map((e) => e.name), ...eventFunctions.map((e) => e.name)];
    const missing = all.filter((name) => !table[name]);
    for (const name of missing) say(`no sample request for ${name}: add one to bench/coldstart.ts (not measured)`);
    for (const name of Object.keys(table)) if (!all.includes(name)) say(`sample for ${name}, which is not in the endpoint table (ignored)`);
    const names = all.filter((name) => table[name] && (!ONLY || ONLY.has(name)));
    if (ONLY) for (const name of ONLY) if (!all.includes(name)) say(`--only: unknown function ${name}`);
    const bare: Target = { name: 'bare', source: { file: path.join(bareDir, 'index.js') } };
    const targets = new Map(names.map((name) => [name, { name, source: { deployed: true } } satisfies Target]));

    // Warm-up (untimed): the OS file cache and the emulators' JIT, so run 1 is not special.
    say('warm-up…');
    // Every function's compile cache first (as each deploy's build step makes its own), outside the timing.
    say(args['no-compile-cache'] ? 'measuring without compile cache' : `warming the compile cache of each of ${names.length} functions (its deploy's gcp-build)…`);
    for (const name of names) compileCacheOf(name);
    const first = names[0] ?? 'numbersList';
    await measure(bare, { method: 'GET', path: '/' }, [200], false, first);
    // One untimed start of each function (round 0 of its sample), so that the emulators and sandboxes
    // answer the timed runs' calls warm, as production's services do: the first request the Firestore
    // emulator gets for a function's documents is often 100–300 ms slower than the next ones.
    say(`one untimed start of each of ${names.length} functions (the emulators' and sandboxes' first answers)…`);
    for (const name of names) {
      const sample = table[name]!;
      await measure(targets.get(name)!, await sample.probe(0), sample.expect, false, name).catch(() => undefined);
    }

    const results = new Map<string, RunResult[]>(names.map((n) => [n, []]));
    const bareRuns: RunResult[] = [];
    const failures: { name: string; run: number; detail: string }[] = [];
    const startedAt = Date.now();
    const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' ');
    for (let round = 1; round <= RUNS; round++) {
      const queue = [...names];
      const worker = async () => {
        for (let name = queue.shift(); name; name = queue.shift()) {
          const sample = table[name]!;
          let result: RunResult;
          try {
            const probe = await sample.probe(round);
            const pairedBare = await measure(bare, { method: 'GET', path: '/' }, [200], false, name);
            bareRuns.push(pairedBare);
            result = await measure(targets.get(name)!, probe, sample.expect, false, name);
            if (pairedBare.ok) result.bare = pairedBare;
          } catch (err) {
            result = { ok: false, totalMs: NaN, readyMs: NaN, cpuMs: NaN, status: 0, requestAt: NaN, detail: `fixture: ${(err as Error).message}` };
          }
          results.get(name)!.push(result);
          if (!result.ok) failures.push({ name, run: round, detail: result.detail ?? '' });
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      say(`round ${round}/${RUNS} done (${Math.round((Date.now() - startedAt) / 1000)} s)`);
    }
    const timedSeconds = (Date.now() - startedAt) / 1000;

    // One extra traced run per function: which heavy modules it loads, and whether before the request.
    const modules = new Map<string, ModuleSummary>();
    if (!args['no-trace']) {
      say('module trace (one extra untimed run each)…');
      const bareTrace = await measure(bare, { method: 'GET', path: '/' }, [200], true, first);
      if (bareTrace.trace) modules.set('bare', summarize('bare', bareTrace.trace, bareTrace.requestAt));
      for (const name of names) {
        const sample = table[name]!;
        try {
          const traced = await measure(targets.get(name)!, await sample.probe(RUNS + 1), sample.expect, true, name);
          if (traced.trace?.length) modules.set(name, summarize(name, traced.trace, traced.requestAt));
        } catch (err) {
          say(`trace of ${name} failed: ${(err as Error).message}`);
        }
      }
    }

    // ------------------------------------------------------------------ report
    const bareOk = bareRuns.filter((r) => r.ok);
    const bareMs = median(bareOk.map((r) => r.totalMs));
    const bareCpuMs = median(bareOk.map((r) => r.cpuMs));
    const rows = names.map((name) => {
      const ok = results.get(name)!.filter((r) => r.ok);
      const ms = ok.length ? median(ok.map((r) => r.totalMs)) : NaN;
      const readyMs = ok.length ? median(ok.map((r) => r.readyMs)) : NaN;
      const cpuMs = ok.length ? median(ok.map((r) => r.cpuMs)) : NaN;
      // Each run against the bare start just before it; the median of those ratios (and differences).
      const paired = ok.filter((r) => r.bare);
      const ratio = paired.length ? median(paired.map((r) => r.totalMs / r.bare!.totalMs)) : ms / bareMs;
      const cpuRatio = paired.length ? median(paired.map((r) => r.cpuMs / r.bare!.cpuMs)) : cpuMs / bareCpuMs;
      const overBare = paired.length ? median(paired.map((r) => r.totalMs - r.bare!.totalMs)) : ms - bareMs;
      return {
        name,
        ms,
        readyMs,
        cpuMs,
        overBare,
        ratio,
        cpuRatio,
        within: ratio <= TARGET_RATIO,
        samples: ok.map((r) => Math.round(r.totalMs)),
        failed: results.get(name)!.length - ok.length,
        success: table[name]!.success,
        modules: modules.get(name),
      };
    });
    const measured = rows.filter((r) => Number.isFinite(r.ms));
    const worst = measured.reduce<(typeof rows)[number] | undefined>((w, r) => (!w || r.ratio > w.ratio ? r : w), undefined);
    const offenders = measured.filter((r) => !r.within);
    const neverAnswered = rows.filter((r) => !Number.isFinite(r.ms));

    const fmt = (n: number) => (Number.isFinite(n) ? String(Math.round(n)) : '—');
    const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
    const files = (m: ModuleSummary | undefined) => (m ? `${m.total} / ${m.beforeRequest}` : '');
    const sources = (m: ModuleSummary | undefined) => (m ? `${m.sources} / ${m.sourcesBeforeRequest}` : '');
    const header = ['function', 'median ms', 'ready ms', 'cpu ms', '− bare', '× bare', 'cpu × bare', 'target', 'runs', 'files loaded / at start', 'our modules / at start', 'heavy modules (* at startup, *+ also by the request)'];
    const body = [
      ['bare (functions-framework)', fmt(bareMs), fmt(median(bareOk.map((r) => r.readyMs))), fmt(bareCpuMs), '0', '1.00×', '1.00×', 'ok', String(bareOk.length), files(modules.get('bare')), '', describeModules(modules.get('bare'))],
      ...rows.map((r) => [
        r.name,
        fmt(r.ms),
        fmt(r.readyMs),
        fmt(r.cpuMs),
        fmt(r.overBare),
        times(r.ratio),
        times(r.cpuRatio),
        !Number.isFinite(r.ms) ? 'FAILED' : r.within ? 'ok' : 'OVER',
        `${r.samples.length}${r.failed ? `/${r.samples.length + r.failed}` : ''}`,
        files(r.modules),
        sources(r.modules),
        describeModules(r.modules),
      ]),
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const numeric = (i: number) => i >= 1 && i <= 10;
    const line = (cells: string[]) => `| ${cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
    console.log('');
    console.log(line(header));
    console.log(`|${widths.map((w, i) => (numeric(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
    for (const row of body) console.log(line(row));
    console.log('');
    console.log(
      `bare functions-framework: ${fmt(bareMs)} ms (median of ${bareOk.length}, one started just before each function run); "× bare" is the median of (run / its paired bare run), "− bare" of (run − it); target ≤ ${TARGET_RATIO}× bare`,
    );
    console.log(`measured: ${measured.length} of the table's ${all.length} functions${missing.length ? ` (not measured, no sample request: ${missing.join(', ')})` : ' (all)'}`);
    if (worst) console.log(`worst: ${worst.name} ${fmt(worst.ms)} ms = ${worst.ratio.toFixed(2)}× bare (bare + ${fmt(worst.overBare)} ms)`);
    console.log(offenders.length ? `OVER ${TARGET_RATIO}× BARE (${offenders.length}): ${offenders.map((o) => `${o.name} (${o.ratio.toFixed(2)}×)`).join(', ')}` : `all ${measured.length} functions within ${TARGET_RATIO}× bare`);
    const cpuOver = measured.filter((r) => r.cpuRatio > TARGET_RATIO);
    const cpuWorst = measured.reduce<(typeof rows)[number] | undefined>((w, r) => (!w || r.cpuRatio > w.cpuRatio ? r : w), undefined);
    if (cpuWorst) {
      console.log(`by cpu time (not inflated by other load): worst ${cpuWorst.name} ${cpuWorst.cpuRatio.toFixed(2)}× bare; ${cpuOver.length} of ${measured.length} over ${TARGET_RATIO}×`);
    }
    const traced = measured.filter((r) => r.modules);
    if (traced.length) {
      const most = traced.reduce((w, r) => (r.modules!.total > w.modules!.total ? r : w));
      const mostAtStart = traced.reduce((w, r) => (r.modules!.sourcesBeforeRequest > w.modules!.sourcesBeforeRequest ? r : w));
      console.log(
        `files loaded: ${Math.min(...traced.map((r) => r.modules!.total))}–${most.modules!.total} (most: ${most.name}), bare ${modules.get('bare')?.total ?? '?'}; ` +
          `our source modules at startup: ${Math.min(...traced.map((r) => r.modules!.sourcesBeforeRequest))}–${mostAtStart.modules!.sourcesBeforeRequest} (most: ${mostAtStart.name})`,
      );
    }
    if (neverAnswered.length) console.log(`NEVER ANSWERED AS EXPECTED (${neverAnswered.length}): ${neverAnswered.map((r) => r.name).join(', ')}`);
    for (const f of failures.slice(0, 20)) console.log(`  failed run ${f.run} of ${f.name}: ${f.detail.split('\n').slice(0, 8).join('\n    ')}`);
    if (logs.length) console.log(`stack errors (in-process gateway; first 3):\n  ${logs.slice(0, 3).join('\n  ')}`);
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`${RUNS} rounds × ${names.length} functions (${RUNS * names.length * 2} starts with their paired bare starts) in ${timedSeconds.toFixed(0)} s, concurrency ${CONCURRENCY}, ${availableParallelism()} cpus, node ${process.version}, load average at start ${loadAtStart}, now ${load}`);
    // The benchmark itself keeps about one core busy: warn when others clearly add to it.
    if (Math.max(loadavg()[0]!, Number(loadAtStart.split(' ')[0])) > availableParallelism() * 1.25) {
      console.log('note: the machine was busy (load average above the CPU count): wall times are inflated, ratios less so; compare with cpu × bare, or rerun on an idle machine');
    }
    const round3 = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);
    console.log(
      JSON.stringify({
        bench: 'coldstart',
        bareMs: Math.round(bareMs),
        bareCpuMs: Math.round(bareCpuMs),
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
        targetRatio: TARGET_RATIO,
        worstRatio: worst ? round3(worst.ratio) : null,
        worst: worst?.name ?? null,
        offenders: offenders.map((o) => o.name),
        cpuWorstRatio: cpuWorst ? round3(cpuWorst.cpuRatio) : null,
        cpuOffenders: cpuOver.map((o) => o.name),
        failed: neverAnswered.map((r) => r.name),
        notMeasured: missing,
        runs: RUNS,
        concurrency: CONCURRENCY,
        seconds: Math.round(timedSeconds),
        cpus: availableParallelism(),
        node: process.version,
        functions: rows.map((r) => ({
          name: r.name,
          ms: Number.isFinite(r.ms) ? Math.round(r.ms) : null,
          readyMs: Number.isFinite(r.readyMs) ? Math.round(r.readyMs) : null,
          cpuMs: Number.isFinite(r.cpuMs) ? Math.round(r.cpuMs) : null,
          overBareMs: Number.isFinite(r.overBare) ? Math.round(r.overBare) : null,
          ratio: round3(r.ratio),
          cpuRatio: round3(r.cpuRatio),
          within: Number.isFinite(r.ms) ? r.within : null,
          samples: r.samples,
          ...(r.modules
            ? { modules: { files: r.modules.total, filesAtStartup: r.modules.beforeRequest, sources: r.modules.sources, sourcesAtStartup: r.modules.sourcesBeforeRequest, heavy: r.modules.heavy, providers: r.modules.providers } }
            : {}),
        })),
      }),
    );
    return neverAnswered.length ? 1 : 0;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    for (const step of cleanup.reverse()) await step().catch((err) => say(`cleanup: ${String(err)}`));
    process.off('exit', onExit);
  }
}

/** The stack pushes job chunks to its in-process gateway; nothing should run behind the measurement. */
async function deletePushSubscriptions(host: string, projectId: string): Promise<void> {
  const res = await fetch(`http://${host}/v1/projects/${projectId}/subscriptions`);
  if (!res.ok) throw new Error(`listing Pub/Sub subscriptions answered ${res.status}`);
  const { subscriptions = [] } = (await res.json()) as { subscriptions?: { name: string }[] };
  for (const { name } of subscriptions) {
    const del = await fetch(`http://${host}/v1/${name}`, { method: 'DELETE' });
    if (!del.ok) throw new Error(`deleting ${name} answered ${del.status}`);
  }
}

run().then(
  (code) => process.exit(code),
  (err) => {
    say((err as Error).stack ?? String(err));
    process.exit(2);
  },
);
