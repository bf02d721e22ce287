import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { parse } from '@cdktf/hcl2json';
import { endpoints, eventFunctions } from '../../functions/endpoints.js';
import { numberProviders, platformSecretName } from '../../shared/providers/registry.js';
import { queueDefinitions } from '../../shared/queue/queues.js';
import { parseConfig } from '../../shared/config.js';
import { pushTarget } from '../../shared/auth/verify-push.js';
import { allNeeds, secretEnvFor, serviceAccountId, type Need } from '../../shared/api/iam.js';
import type { functionManifest } from '../../functions/manifest.js';

// Terraform must deploy everything the code uses: it fails when a function, topic, queue,
// scheduler job or secret is missing from terraform/.
type Hcl = {
  resource?: Record<string, Record<string, Record<string, unknown>[]>>;
  locals?: Record<string, unknown>[];
  variable?: Record<string, Record<string, unknown>[]>;
  moved?: Record<string, string>[];
};

export interface Terraform {
  resources: Record<string, Record<string, Record<string, unknown>>>;
  locals: Record<string, unknown>;
  variables: Record<string, Record<string, unknown>>;
  moved: Record<string, string>[];
  text: string;
  /** terraform/functions.json, as functions/manifest.ts writes it. */
  manifest: ReturnType<typeof functionManifest>;
}

export async function loadTerraform(): Promise<Terraform> {
  const dir = new URL('../../terraform/', import.meta.url);
  const resources: Terraform['resources'] = {};
  const locals: Record<string, unknown> = {};
  const variables: Terraform['variables'] = {};
  const moved: Record<string, string>[] = [];
  let text = '';
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tf'))) {
    const content = await readFile(new URL(file, dir), 'utf8');
    text += content;
    const parsed = (await parse(file, content)) as Hcl;
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      for (const [name, blocks] of Object.entries(byName)) (resources[type] ??= {})[name] = blocks[0]!;
    }
    for (const block of parsed.locals ?? []) Object.assign(locals, block);
    for (const [name, blocks] of Object.entries(parsed.variable ?? {})) variables[name] = blocks[0]!;
    moved.push(...(parsed.moved ?? []));
  }
  const manifest = JSON.parse(await readFile(new URL('functions.json', dir), 'utf8')) as Terraform['manifest'];
  return { resources, locals, variables, moved, text, manifest };
}

/** A function resource's service_config block (kind: http or event). */
export const serviceConfig = (tf: Terraform, kind: 'http' | 'event') =>
  (tf.resources.google_cloudfunctions2_function?.[kind]?.service_config as Record<string, unknown>[])[0]!;

/** The environment a function resource declares: a literal map, or the local it names. */
export function functionEnv(tf: Terraform, kind: 'http' | 'event'): Record<string, string> {
  const env = serviceConfig(tf, kind).environment_variables;
  const local = typeof env === 'string' ? /^\$\{local\.(\w+)\}$/.exec(env)?.[1] : undefined;
  return (local ? tf.locals[local] : env) as Record<string, string>;
}

/** The roles the needs of a row imply (shared/api/iam.ts), as `role on target`; every account reads and writes Firestore. */
const needGrants: Record<Need, string[]> = {
  'secrets:read-provider': [...numberProviders.map((p) => `roles/secretmanager.secretAccessor on ${platformSecretName(p)}`), 'roles/secretmanager.secretAccessor on tenant-*'],
  'secrets:read-tenant': ['roles/secretmanager.secretAccessor on tenant-*'],
  'secrets:write-tenant': ['numbersTenantSecretWriter on tenant-* (create: project)'],
  somos: [
    'roles/secretmanager.secretAccessor on provider-somos-platform',
    'roles/secretmanager.secretAccessor on provider-somos-token-state',
    'roles/secretmanager.secretVersionManager on provider-somos-token-state',
  ],
  'secrets:somos-notification': ['roles/secretmanager.secretAccessor on somos-notification-secret'],
  'tasks:enqueue': ['roles/cloudtasks.enqueuer on project', 'roles/iam.serviceAccountUser on numbers-tasks'],
  'pubsub:publish': ['roles/pubsub.publisher on jobs-chunks'],
};
const everyAccount = ['roles/datastore.user on project'];

/** An HCL attribute that holds a string when set ('' when it is not); anything else fails the test. */
function stringAttribute(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new Error(`${what} is not a string: ${JSON.stringify(value)}`);
  return value;
}
const expectedRoles = (needs: readonly Need[]) => [...new Set([...everyAccount, ...needs.flatMap((n) => needGrants[n])])].sort();

/**
 * What Terraform grants an account, read from the IAM resources whose member is a function account
 * (google_service_account.fn): which accounts each for_each selects (all, or those with a need), the
 * role and what it is on. A grant this does not understand fails the test: teach it, do not skip it.
 */
async function rolesOf(accountId: string, tf?: Terraform): Promise<string[]> {
  tf ??= await loadTerraform();
  const { resources, locals, manifest } = tf;
  const accounts = manifest.serviceAccounts as { accountId: string; needs: Need[] }[];
  const needing = (need: string) => accounts.filter((a) => a.needs.includes(need as Need)).map((a) => a.accountId);
  const providers = locals.number_providers as string[];
  const grants: string[] = [];
  for (const [type, byName] of Object.entries(resources)) {
    if (!type.endsWith('_iam_member')) continue;
    for (const [name, r] of Object.entries(byName)) {
      const member = stringAttribute(r.member, `${type}.${name}.member`);
      if (!member.includes('google_service_account.fn[')) continue;
      const forEach = stringAttribute(r.for_each, `${type}.${name}.for_each`);
      const needs = [...forEach.matchAll(/local\.fn_needing\["([^"]+)"\]/g)].map((m) => m[1]!);
      const role = String(r.role) === '${google_project_iam_custom_role.tenant_secret_writer.id}' ? 'numbersTenantSecretWriter' : String(r.role);
      const condition = JSON.stringify(r.condition ?? '');
      const where = (target: string) => `${target}`;
      let selected: string[];
      let targets: { role: string; on: string }[];
      if (type === 'google_secret_manager_secret_iam_member' && String(r.secret_id).includes('function_secrets[each.value.secret]')) {
        expect(forEach, name).toContain('secretEnv');
        const pairs = [...manifest.functions, ...manifest.eventFunctions].flatMap((f: { serviceAccount: string; secretEnv: { secret: string }[] }) => f.secretEnv.map((e) => ({ account: f.serviceAccount, secret: e.secret })));
        grants.push(...pairs.filter((p) => p.account === accountId).map((p) => `${role} on ${p.secret}`));
        continue;
      }
      if (forEach === '${local.fn_accounts}') selected = accounts.map((a) => a.accountId);
      else if (needs.length) selected = [...new Set(needs.flatMap(needing))];
      else throw new Error(`${type}.${name}: grants to function accounts chosen by ${forEach}`);
      if (!selected.includes(accountId)) continue;
      if (type === 'google_project_iam_member') {
        const on = condition.includes('local.tenant_secrets') ? `tenant-*${condition.includes('cloudresourcemanager.googleapis.com/Project') ? ' (create: project)' : ''}` : 'project';
        targets = [{ role, on }];
      } else if (type === 'google_secret_manager_secret_iam_member') {
        const secret = String(r.secret_id);
        const roles = /"roles\//.test(forEach) ? [...forEach.matchAll(/"(roles\/[^"]+)"/g)].map((m) => m[1]!) : [role];
        if (secret === '${google_secret_manager_secret.platform_provider[each.value.provider].id}') {
          expect(forEach, name).toContain('local.number_providers');
          targets = providers.map((p) => ({ role, on: `provider-${p}-platform` }));
        } else if (secret === '${google_secret_manager_secret.platform_provider["somos"].id}') targets = [{ role, on: 'provider-somos-platform' }];
        else if (secret === '${google_secret_manager_secret.somos_token_state.id}') targets = roles.map((r2) => ({ role: r2, on: 'provider-somos-token-state' }));
        else throw new Error(`${type}.${name}: unknown secret ${secret}`);
      } else if (type === 'google_pubsub_topic_iam_member') {
        const topic = /topics\["([^"]+)"\]/.exec(String(r.topic))?.[1];
        if (!topic) throw new Error(`${type}.${name}: unknown topic ${String(r.topic)}`);
        targets = [{ role, on: topic }];
      } else if (type === 'google_service_account_iam_member') {
        if (r.service_account_id !== '${google_service_account.tasks.name}') throw new Error(`${type}.${name}: unknown account ${String(r.service_account_id)}`);
        targets = [{ role, on: 'numbers-tasks' }];
      } else throw new Error(`${type}.${name}: unknown kind of grant`);
      grants.push(...targets.map((t) => `${t.role} on ${where(t.on)}`));
    }
  }
  return [...new Set(grants)].sort();
}

describe('terraform', () => {
  it('parses, and deploys every function of the table from the generated manifest', async () => {
    const { resources, manifest } = await loadTerraform();
    expect(resources.google_cloudfunctions2_function?.http?.for_each).toBe('${local.functions}');
    expect(resources.google_cloudfunctions2_function?.event?.for_each).toBe('${local.event_functions}');
    expect(manifest.functions.map((f: { name: string }) => f.name).sort()).toEqual(endpoints.map((e) => e.name).sort());
    expect(manifest.eventFunctions.map((f: { name: string }) => f.name).sort()).toEqual(eventFunctions.map((e) => e.name).sort());
  });

  it('starts every function from the compile cache its build step fills, and keeps a local cache out of the upload', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    // The uploaded package is the deployable source (scripts/build-functions.ts), whose gcp-build fills the cache.
    const { deployPackageJson } = await import('../../scripts/build-functions.js');
    expect((deployPackageJson(pkg).scripts as Record<string, string>)['gcp-build']).toBe('node warm-compile-cache.mjs');
    await readFile(new URL('../../scripts/warm-compile-cache.mjs', import.meta.url), 'utf8');
    const tf = await loadTerraform();
    for (const kind of ['http', 'event'] as const) expect(functionEnv(tf, kind).NODE_COMPILE_CACHE, kind).toBe('/workspace/.compile-cache');
    const archive = (await readFile(new URL('../../terraform/functions.tf', import.meta.url), 'utf8')).match(/excludes\s*=\s*\[([^\]]*)\]/)?.[1] ?? '';
    expect(archive).toContain('".compile-cache"');
  });

  it('uploads the per-function bundles: the deployable source, whose main loads the entry point’s bundle only', async () => {
    const tf = await loadTerraform();
    const main = await readFile(new URL('../../terraform/main.tf', import.meta.url), 'utf8');
    expect(/variable "source_dir"[^}]*default\s*=\s*"\.\.\/dist\/deploy"/s.test(main), 'var.source_dir defaults to ../dist/deploy').toBe(true);
    const functionsTf = await readFile(new URL('../../terraform/functions.tf', import.meta.url), 'utf8');
    expect(functionsTf).toMatch(/source_dir\s*=\s*var\.source_dir/);
    for (const kind of ['http', 'event'] as const) {
      const build = JSON.stringify(tf.resources.google_cloudfunctions2_function?.[kind]?.build_config);
      expect(build, kind).toContain('"entry_point":"${each.value.entryPoint}"');
      expect(build, kind).toContain('google_storage_bucket_object.source.name');
    }
    const { deployPackageJson } = await import('../../scripts/build-functions.js');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(deployPackageJson(pkg).main).toBe('index.mjs');
    for (const f of [...tf.manifest.functions, ...tf.manifest.eventFunctions] as { name: string; entryPoint: string }[]) expect(f.entryPoint).toBe(f.name);
  });

  it('declares a Node engine that every production dependency accepts (the functions run nodejs22)', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };
    const floor = (range: string) => /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim())?.slice(1).map((n) => Number(n ?? 0));
    const ours = floor(pkg.engines.node);
    expect(ours, pkg.engines.node).toBeDefined();
    expect(ours![0]).toBe(22);
    const atLeast = (a: number[], b: number[]) => a[0]! > b[0]! || (a[0] === b[0] && (a[1]! > b[1]! || (a[1] === b[1] && a[2]! >= b[2]!)));
    for (const dep of Object.keys(pkg.dependencies)) {
      const theirs = (JSON.parse(await readFile(new URL(`../../node_modules/${dep}/package.json`, import.meta.url), 'utf8')) as { engines?: { node?: string } }).engines?.node;
      const needed = theirs ? floor(theirs) : undefined;
      if (needed) expect(atLeast(ours!, needed), `${dep} needs node ${theirs}, package.json says ${pkg.engines.node}`).toBe(true);
    }
    const { resources } = await loadTerraform();
    for (const kind of ['http', 'event']) expect(JSON.stringify(resources.google_cloudfunctions2_function?.[kind]?.build_config), kind).toContain('"runtime":"nodejs22"');
  });

  it('creates every topic, dead-letter topic and queue the code uses', async () => {
    const { resources, manifest } = await loadTerraform();
    expect(resources.google_pubsub_topic?.topics?.for_each).toBe('${toset(local.manifest.topics)}');
    for (const fn of eventFunctions) {
      expect(manifest.topics).toContain(fn.topic);
      if (fn.deadLetterTopic) expect(manifest.topics).toContain(fn.deadLetterTopic);
    }
    expect(resources.google_cloud_tasks_queue?.queues?.for_each).toBe('${local.queues}');
    expect(manifest.queues.map((q: { name: string }) => q.name).sort()).toEqual(Object.keys(queueDefinitions({})).sort());
  });

  it('gives the job item and follow-up functions instances for every task their queues may have in flight at once', async () => {
    const { manifest } = await loadTerraform();
    const queues = manifest.queues as { name: string; maxConcurrentDispatches: number }[];
    const inFlight = (names: (q: string) => boolean) => queues.filter((q) => names(q.name)).reduce((sum, q) => sum + q.maxConcurrentDispatches, 0);
    const instances = (name: string) => (manifest.functions as { name: string; maxInstances: number }[]).find((f) => f.name === name)!.maxInstances;
    // One request per instance (gen2's default concurrency): a cap below the queues' would turn dispatches into 429 retries.
    expect(instances('taskJobItem')).toBeGreaterThanOrEqual(inFlight((q) => q.startsWith('provider-')));
    // A purchase's follow-up runs on `followups`, and on its provider's queue once handed off.
    expect(instances('taskSettlePurchase')).toBeGreaterThanOrEqual(inFlight((q) => q === 'followups' || q.startsWith('provider-')));
  });

  it('lets the chunk worker do what it does: publish chunks, enqueue items, read provider credentials and the Somos token', async () => {
    const { manifest } = await loadTerraform();
    const worker = manifest.eventFunctions.find((f: { name: string }) => f.name === 'jobsChunkWorker')!;
    // tollfree-reserve search jobs call the registry: the Somos token state must be readable and renewable.
    expect(worker.needs).toEqual(['secrets:read-provider', 'somos', 'tasks:enqueue', 'pubsub:publish']);
    const roles = await rolesOf(worker.serviceAccount);
    expect(roles).toContain('roles/pubsub.publisher on jobs-chunks');
    expect(roles).toContain('roles/secretmanager.secretAccessor on provider-somos-token-state');
    expect(roles).toContain('roles/secretmanager.secretVersionManager on provider-somos-token-state');
    expect(roles).toContain('roles/secretmanager.secretAccessor on provider-twilio-platform');
    expect(roles).toContain('roles/secretmanager.secretAccessor on tenant-*');
    expect(roles).toContain('roles/cloudtasks.enqueuer on project');
  });

  it('schedules every scheduled function with an OIDC token', async () => {
    const { resources } = await loadTerraform();
    const jobs = Object.values(resources.google_cloud_scheduler_job ?? {});
    for (const endpoint of endpoints.filter((e) => e.name.startsWith('scheduled'))) {
      const job = jobs.find((j) => JSON.stringify(j).includes(`cloudfunctions.net/${endpoint.name}`));
      expect(job, `no Cloud Scheduler job for ${endpoint.name}`).toBeDefined();
      expect(JSON.stringify(job)).toContain('oidc_token');
    }
  });

  it('declares every secret the code reads (never their values)', async () => {
    const { resources, text } = await loadTerraform();
    const platform = resources.google_secret_manager_secret?.platform_provider;
    expect(platform?.secret_id).toBe('provider-${each.key}-platform'); // = platformSecretName()
    for (const provider of numberProviders) {
      expect(String(platform?.for_each), `secret ${platformSecretName(provider)}`).toContain(`"${provider}"`);
    }
    expect(text).not.toMatch(/google_secret_manager_secret_version/); // values are added out of band
  });

  it('feeds every event function from a push subscription with its dead-letter policy', async () => {
    const { resources } = await loadTerraform();
    const push = resources.google_pubsub_subscription?.push;
    expect(push?.for_each).toBe('${local.event_functions}');
    expect(JSON.stringify(push)).toContain('dead_letter_policy');
    expect(JSON.stringify(push)).toContain('oidc_token');
  });

  it('signs every push with an OIDC token the event functions accept: the push service account, addressed to the function’s URL', async () => {
    const { resources, locals } = await loadTerraform();
    const push = resources.google_pubsub_subscription?.push as { push_config: { push_endpoint: string; oidc_token: Record<string, string>[] }[] };
    const config = push.push_config[0]!;
    const oidc = config.oidc_token[0]!;
    const pushAccount = '${google_service_account.pubsub_push.email}';
    expect(resources.google_service_account?.pubsub_push).toBeDefined();
    expect(oidc.service_account_email).toBe(pushAccount);
    expect(oidc.audience).toBe('${local.event_urls[each.key]}');
    expect(config.push_endpoint).toBe(oidc.audience);

    // The code checks email == PUBSUB_PUSH_SERVICE_ACCOUNT (every function needs it in production) ...
    const tf = await loadTerraform();
    for (const kind of ['http', 'event'] as const) expect(functionEnv(tf, kind).PUBSUB_PUSH_SERVICE_ACCOUNT, kind).toBe(pushAccount);
    // ... and aud == pushTarget(config).audience: the URL Terraform pushes to, for each function.
    const env = functionEnv(tf, 'event');
    const vars = (s: string) =>
      s.replaceAll('${local.functions_base_url}', String(locals.functions_base_url)).replaceAll('${var.region}', 'europe-west1').replaceAll('${var.project_id}', 'acme-prod');
    const urlTemplate = /name => "([^"]+)"/.exec(String(locals.event_urls).replaceAll('\\"', '"'))?.[1];
    expect(urlTemplate, String(locals.event_urls)).toBeDefined();
    expect(String(locals.event_urls)).toContain('for name, f in local.event_functions');
    const deployed = parseConfig({
      GOOGLE_CLOUD_PROJECT: 'acme-prod',
      PLATFORM_ENV: 'production',
      TASKS_SERVICE_ACCOUNT: 'numbers-tasks@acme-prod.iam.gserviceaccount.com',
      PUBSUB_PUSH_SERVICE_ACCOUNT: 'numbers-pubsub-push@acme-prod.iam.gserviceaccount.com',
      FUNCTIONS_BASE_URL: vars(env.FUNCTIONS_BASE_URL!),
    });
    for (const fn of eventFunctions) {
      expect(vars(urlTemplate!).replaceAll('${name}', fn.name), fn.name).toBe(pushTarget(deployed, fn).audience);
    }

    // Only the push identity may invoke the event functions, and Pub/Sub's agent may sign as it.
    const invoker = resources.google_cloud_run_service_iam_member?.events_invoker as Record<string, string>;
    expect(invoker.member).toBe(`serviceAccount:${pushAccount}`);
    expect(invoker.service).toBe('${google_cloudfunctions2_function.event[each.key].service_config[0].service}');
    const signer = resources.google_service_account_iam_member?.pubsub_signs_push_tokens as Record<string, string>;
    expect(signer.service_account_id).toBe('${google_service_account.pubsub_push.name}');
    expect(signer.role).toBe('roles/iam.serviceAccountTokenCreator');
    expect(signer.member).toContain('gcp-sa-pubsub.iam.gserviceaccount.com');
  });

  it('declares the composite indexes of firestore.indexes.json', async () => {
    const { resources } = await loadTerraform();
    expect(JSON.stringify(resources.google_firestore_index?.composite)).toContain('firestore_indexes');
  });

  it('routes the public entry through the generated gateway config', async () => {
    const { text } = await loadTerraform();
    expect(text).toContain('api-gateway.openapi2.json.tpl');
  });
});

describe('terraform: who runs each function, and what it may do (issue 14)', () => {
  it('runs each function as the service account of its row’s needs', async () => {
    const tf = await loadTerraform();
    const rows = [...endpoints.map((e) => ({ row: e, deployed: tf.manifest.functions })), ...eventFunctions.map((e) => ({ row: e, deployed: tf.manifest.eventFunctions }))];
    for (const { row, deployed } of rows) {
      const fn = deployed.find((f: { name: string }) => f.name === row.name)!;
      expect(fn.serviceAccount, row.name).toBe(serviceAccountId(row.needs));
      expect(fn.secretEnv, row.name).toEqual(secretEnvFor(row.needs));
    }
    const accounts = tf.manifest.serviceAccounts as { accountId: string; needs: Need[] }[];
    expect(accounts.map((a) => a.accountId).sort()).toEqual([...new Set(rows.map(({ row }) => serviceAccountId(row.needs)))].sort());
    for (const a of accounts) expect(a.accountId).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/); // a valid account id
    for (const kind of ['http', 'event'] as const) {
      expect(serviceConfig(tf, kind).service_account_email, kind).toBe('${google_service_account.fn[each.value.serviceAccount].email}');
    }
    expect(tf.resources.google_service_account?.fn?.for_each).toBe('${local.fn_accounts}');
    expect(tf.resources.google_service_account?.api).toBeUndefined(); // no shared account for every HTTP function
    expect(tf.resources.google_service_account?.events).toBeUndefined();
  });

  it('grants every account exactly the roles its needs imply, and nothing else', async () => {
    const tf = await loadTerraform();
    // The need list Terraform selects accounts by is the vocabulary of shared/api/iam.ts.
    const needing = String(tf.locals.fn_needing);
    expect([...needing.matchAll(/"([^"]+)"/g)].map((m) => m[1]).filter((n) => (allNeeds as string[]).includes(n!)).sort()).toEqual([...allNeeds].sort());
    expect(needing).toContain('contains(a.needs, need)');
    expect(tf.locals.number_providers).toEqual([...numberProviders]);
    expect(tf.locals.tenant_secrets).toBe('projects/${data.google_project.this.number}/secrets/tenant-');
    for (const account of tf.manifest.serviceAccounts as { accountId: string; needs: Need[] }[]) {
      expect(await rolesOf(account.accountId, tf), account.accountId).toEqual(expectedRoles(account.needs));
    }
  });

  it('gives a read-only endpoint Firestore and nothing else: no secret, queue or topic', async () => {
    const tf = await loadTerraform();
    for (const name of ['numbersList', 'numbersGet', 'jobsList', 'auditList', 'openapi']) {
      const fn = tf.manifest.functions.find((f: { name: string }) => f.name === name)!;
      expect(await rolesOf(fn.serviceAccount, tf), name).toEqual(['roles/datastore.user on project']);
    }
    const roles = async (name: string) => rolesOf(tf.manifest.functions.find((f: { name: string }) => f.name === name)!.serviceAccount, tf);
    // Only the functions that create or delete tenant secrets may; none may administer Secret Manager.
    const writers = ['providerAccountsCreate', 'providerAccountsUpdate', 'providerAccountsDelete', 'signingSecretRotate'];
    for (const name of writers) if (endpoints.some((e) => e.name === name)) expect(await roles(name), name).toContain('numbersTenantSecretWriter on tenant-* (create: project)');
    for (const f of tf.manifest.functions as { name: string; serviceAccount: string }[]) {
      if (!writers.includes(f.name)) expect((await rolesOf(f.serviceAccount, tf)).join(), f.name).not.toContain('numbersTenantSecretWriter');
    }
    expect(tf.text).not.toMatch(/roles\/secretmanager\.admin/);
    expect(tf.text).not.toMatch(/allUsers|allAuthenticatedUsers/);
    // The tenant secret writer: create, add and disable versions, delete — no IAM policy, no reading.
    expect(tf.resources.google_project_iam_custom_role?.tenant_secret_writer?.permissions).toEqual([
      'secretmanager.secrets.create',
      'secretmanager.secrets.get',
      'secretmanager.secrets.delete',
      'secretmanager.versions.add',
      'secretmanager.versions.list',
      'secretmanager.versions.disable',
    ]);
    // Somos: the token manager renews (adds a version) and prunes (destroys old ones) the token state.
    expect(await roles('scheduledSomosTokenRefresh')).toEqual(expectedRoles(['somos']));
    // The relay's signature check reads the number's account credentials; its delivery reads the signing secret.
    expect(await roles('webhookTwilioInbound')).toEqual(expectedRoles(['secrets:read-provider', 'tasks:enqueue']));
    expect(await roles('taskRelayDelivery')).toEqual(expectedRoles(['secrets:read-tenant']));
  });
});

describe('terraform: gateway-only ingress (issue 14)', () => {
  it('lets only the gateway invoke public functions, only the tasks account the task targets, by their Cloud Run service', async () => {
    const { resources } = await loadTerraform();
    const gateway = resources.google_cloud_run_service_iam_member?.gateway_invoker as Record<string, string>;
    expect(gateway.for_each).toBe('${{ for name, f in local.functions : name => f if f.access != "task" }}');
    expect(gateway.member).toBe('serviceAccount:${google_service_account.gateway.email}');
    expect(gateway.role).toBe('roles/run.invoker');
    // A gen2 function's Cloud Run service is not named like the function (numbersList → numberslist).
    expect(gateway.service).toBe('${google_cloudfunctions2_function.http[each.key].service_config[0].service}');
    const tasks = resources.google_cloud_run_service_iam_member?.tasks_invoker as Record<string, string>;
    expect(tasks.for_each).toBe('${{ for name, f in local.functions : name => f if f.access == "task" }}');
    expect(tasks.member).toBe('serviceAccount:${google_service_account.tasks.email}');
    expect(tasks.service).toBe('${google_cloudfunctions2_function.http[each.key].service_config[0].service}');
    const invokers = Object.keys(resources.google_cloud_run_service_iam_member ?? {}).sort();
    expect(invokers).toEqual(['events_invoker', 'gateway_invoker', 'tasks_invoker']);
    expect(resources.google_api_gateway_api_config?.numbers?.gateway_config).toEqual([{ backend_config: [{ google_service_account: '${google_service_account.gateway.email}' }] }]);
  });

  it('has the gateway call each function with its own ID token addressed to the function’s URL, and routes no task target', async () => {
    const { resources, locals } = await loadTerraform();
    const doc = JSON.parse(await readFile(new URL('../../terraform/api-gateway.openapi2.json.tpl', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, { operationId: string; 'x-google-backend': Record<string, unknown> }>> };
    // Every method but OPTIONS: those are CORS preflights, routed to one of the path's functions (gateway-cors.test.ts).
    const routed = Object.values(doc.paths).flatMap((ops) => Object.entries(ops).filter(([method]) => method !== 'options').map(([, op]) => op));
    expect(routed.map((op) => op.operationId).sort()).toEqual(endpoints.filter((e) => e.access !== 'task').map((e) => e.name).sort());
    const preflights = Object.values(doc.paths).flatMap((ops) => (ops.options ? [ops.options] : []));
    for (const op of [...routed, ...preflights]) {
      const backend = op['x-google-backend'];
      expect(backend.address, op.operationId).toBe('${functions_base_url}/' + op.operationId.replace(/Preflight$/, ''));
      // Cloud Run accepts an ID token for a gen2 function addressed to its cloudfunctions.net URL.
      expect(backend.jwt_audience, op.operationId).toBe(backend.address);
      expect(backend.disable_auth, op.operationId).toBeUndefined();
    }
    expect(JSON.stringify(doc)).not.toContain('x-google-quota'); // no quota: it would need API keys
    const config = JSON.stringify(resources.google_api_gateway_api_config?.numbers);
    expect(config).toContain('functions_base_url = local.functions_base_url');
    expect(locals.functions_base_url).toBe('https://${var.region}-${var.project_id}.cloudfunctions.net');
  });

  it('tells the code it sits behind the gateway, and where its public origin is', async () => {
    const tf = await loadTerraform();
    for (const kind of ['http', 'event'] as const) {
      const env = functionEnv(tf, kind);
      expect(env.AUTH_VIA_GATEWAY, kind).toBe('true');
      expect(env.PUBLIC_BASE_URL, kind).toBe('${local.public_base_url}');
    }
    expect(tf.locals.public_base_url).toBe('${var.public_base_url != "" ? var.public_base_url : "https://${google_api_gateway_gateway.numbers.default_hostname}"}');
  });
});

/**
 * Every setting of shared/config.ts, decided for production: Terraform sets it in every function's
 * environment (`env`, from a variable when the operator chooses it), hands it in from Secret Manager
 * (`secret`), leaves it at the code's default (`default`, with why), or must never set it (`never`).
 * A setting added to the schema fails here until it is decided.
 */
const production: Record<string, { env: string } | { secret: string } | { default: string } | { never: string }> = {
  GOOGLE_CLOUD_PROJECT: { env: '${var.project_id}' },
  PLATFORM_ENV: { env: 'production' },
  AUTH_PROJECT_ID: { env: '${var.auth_project_id}' },
  AUTH_VIA_GATEWAY: { env: 'true' },
  AUTH_JWKS_URL: { default: "Google's securetoken keys" },
  AUTH_JWKS_FILE: { never: 'a local key file (refused in production)' },
  LOCAL_DATA_DIR: { never: 'the dev stack’s data folder' },
  PUBLIC_BASE_URL: { env: '${local.public_base_url}' },
  FUNCTIONS_BASE_URL: { env: '${local.functions_base_url}' },
  TASKS_LOCATION: { env: '${var.region}' },
  TASKS_SERVICE_ACCOUNT: { env: '${google_service_account.tasks.email}' },
  TASKS_OIDC_JWKS_FILE: { never: 'a local key file (refused in production)' },
  PUBSUB_PUSH_SERVICE_ACCOUNT: { env: '${google_service_account.pubsub_push.email}' },
  TELNYX_PUBLIC_KEY: { env: '${var.telnyx_public_key}' },
  VAPI_ALLOW_FREE_NUMBERS: { env: '${var.vapi_allow_free_numbers ? "true" : "false"}' },
  OUTBOUND_ALLOW_LOOPBACK: { never: 'tenant URLs reaching loopback (refused in production)' },
  LIMIT_PURCHASES_PER_DAY: { default: 'platform default; per tenant on tenants/{id}.limits' },
  LIMIT_NUMBERS_HELD: { default: 'platform default; per tenant on tenants/{id}.limits' },
  LIMIT_BULK_JOB_ITEMS: { default: 'platform default; per tenant on tenants/{id}.limits' },
  LIMIT_REQUESTS_PER_MINUTE: { default: 'platform default; per tenant on tenants/{id}.limits' },
  LIMIT_FREE_VAPI_NUMBERS: { default: 'platform default; per tenant on tenants/{id}.limits (free numbers are off unless vapi_allow_free_numbers)' },
  JOB_FINALIZE_WINDOW_MS: { default: 'tuned in code' },
  JOB_SWEEP_STALE_MS: { default: 'tuned with the 10-minute sweep schedule (platform.tf)' },
  PROVIDER_TIMEOUT_MS: { default: 'tuned in code' },
  PROVIDER_RATE_LIMIT_TWILIO: { env: '${lookup(var.provider_rate_limits, "twilio", "")}' },
  PROVIDER_RATE_LIMIT_PLIVO: { env: '${lookup(var.provider_rate_limits, "plivo", "")}' },
  PROVIDER_RATE_LIMIT_VONAGE: { env: '${lookup(var.provider_rate_limits, "vonage", "")}' },
  PROVIDER_RATE_LIMIT_TELNYX: { env: '${lookup(var.provider_rate_limits, "telnyx", "")}' },
  ACCOUNT_POLICY_DEFAULT: { env: '${var.account_policy_default}' },
  RELEASE_QUARANTINE_DAYS: { default: '30 days; a product rule, not a deployment one' },
  CORS_ORIGINS: { env: '${join(",", var.cors_origins)}' },
  PURCHASE_LEASE_SECONDS: { default: 'tuned in code' },
  LOG_LEVEL: { default: 'INFO' },
  TWILIO_API_BASE_URL: { default: 'the production host' },
  TWILIO_PRICING_BASE_URL: { default: 'the production host (pricing.twilio.com)' },
  TELNYX_API_BASE_URL: { default: 'the production host' },
  PLIVO_API_BASE_URL: { default: 'the production host' },
  VONAGE_API_BASE_URL: { default: 'the production host' },
  VAPI_API_BASE_URL: { default: 'the production host' },
  SOMOS_API_BASE_URL: { default: 'the production host' },
  SOMOS_DEFAULT_RESPORG_ID: { env: '${var.somos_default_resporg_id}' },
  SOMOS_ENTITY_ID: { env: '${var.somos_entity_id}' },
  SOMOS_ACCEPT_VERSION: { default: '3.11' },
  SOMOS_DEFAULT_DISASTER_NUMBER: { env: '${var.somos_default_disaster_number}' },
  SOMOS_DEFAULT_CARRIERS: { env: '${var.somos_default_carriers}' },
  SOMOS_SIP_GATEWAY_NUMBER: { env: '${var.somos_sip_gateway_number}' },
  SOMOS_NOTIFICATION_SECRET: { secret: 'somos-notification-secret' },
  SOMOS_TSS_BASE_URL: { env: '${var.somos_tss_base_url}' },
  SOMOS_SESSION_FORCE_FLAG: { default: 'off: 701003 is answered with sessOverrideKey (C); forceFlag is unconfirmed (G)' },
  SOMOS_AUTH_BREAKER_THRESHOLD: { default: '3, below the registry lockout (assumed 5)' },
  SOMOS_AUTH_BREAKER_COOLDOWN_SECONDS: { default: 'tuned in code (5 minutes)' },
  SOMOS_AUTH_BREAKER_MAX_COOLDOWN_SECONDS: { default: 'tuned in code (1 hour)' },
};

/** Renders a function's environment as `terraform apply` would, with these variables (the locals and references resolved). */
function renderEnv(tf: Terraform, kind: 'http' | 'event', vars: Record<string, unknown>): Record<string, string> {
  const refs: Record<string, string> = {
    'google_service_account.tasks.email': `numbers-tasks@${String(vars.project_id)}.iam.gserviceaccount.com`,
    'google_service_account.pubsub_push.email': `numbers-pubsub-push@${String(vars.project_id)}.iam.gserviceaccount.com`,
    'google_api_gateway_gateway.numbers.default_hostname': 'numbers-gateway-abc123.uc.gateway.dev',
  };
  const value = (expr: string): string => {
    const whole = /^\$\{(.*)\}$/s.exec(expr)?.[1];
    const otherwise = whole !== undefined ? /^var\.(\w+) != "" \? var\.\w+ : "(.*)"$/s.exec(whole) : null;
    if (otherwise) return vars[otherwise[1]!] !== '' ? String(vars[otherwise[1]!]) : value(otherwise[2]!);
    if (whole !== undefined && !whole.includes('${')) {
      let m: RegExpExecArray | null;
      if ((m = /^var\.(\w+)$/.exec(whole))) return String(vars[m[1]!]);
      if ((m = /^local\.(\w+)$/.exec(whole))) return value(String(tf.locals[m[1]!]));
      if (refs[whole]) return refs[whole];
      if ((m = /^lookup\(var\.(\w+), "(\w+)", ""\)$/.exec(whole))) return String((vars[m[1]!] as Record<string, string>)[m[2]!] ?? '');
      if ((m = /^var\.(\w+) \? "(\w+)" : "(\w+)"$/.exec(whole))) return vars[m[1]!] ? m[2]! : m[3]!;
      if ((m = /^join\(",", var\.(\w+)\)$/.exec(whole))) return (vars[m[1]!] as string[]).join(',');
      throw new Error(`cannot render ${expr}`);
    }
    return expr.replace(/\$\{([^{}]+)\}/g, (_all, inner: string) => value(`\${${inner}}`));
  };
  return Object.fromEntries(Object.entries(functionEnv(tf, kind)).map(([k, v]) => [k, value(v)]));
}

const variableDefaults = (tf: Terraform) => Object.fromEntries(Object.entries(tf.variables).filter(([, v]) => 'default' in v).map(([k, v]) => [k, v.default]));

describe('terraform: every setting a function needs in production (issue 14)', () => {
  it('decides every setting of the config schema', async () => {
    const { configKeys } = await import('../../shared/config.js');
    const undecided = configKeys.filter((key) => !(key in production));
    expect(undecided, 'settings of shared/config.ts that Terraform neither sets nor leaves at a default on purpose').toEqual([]);
  });

  it('sets each env setting in every function’s environment, and never the ones it must not', async () => {
    const tf = await loadTerraform();
    const { configKeys } = await import('../../shared/config.js');
    for (const kind of ['http', 'event'] as const) {
      const env = functionEnv(tf, kind);
      for (const key of configKeys) {
        const decision = production[key];
        if (!decision) continue; // undecided: the test above fails
        if ('env' in decision) expect(env[key], `${kind}: ${key}`).toBe(decision.env);
        else expect(env[key], `${kind}: ${key} (${Object.values(decision)[0]})`).toBeUndefined();
      }
    }
    for (const [key, decision] of Object.entries(production)) {
      for (const variable of ('env' in decision ? decision.env : '').matchAll(/var\.(\w+)/g)) {
        const declared = tf.variables[variable[1]!];
        expect(declared, `${key}: variable ${variable[1]} is declared`).toBeDefined();
        expect(stringAttribute(declared!.description, `variable ${variable[1]}.description`), `${key}: variable ${variable[1]} is described`).not.toBe('');
      }
    }
  });

  it('hands each secret setting in from Secret Manager, to the functions whose needs bring it', async () => {
    const tf = await loadTerraform();
    for (const [key, decision] of Object.entries(production)) {
      if (!('secret' in decision)) continue;
      const getting = [...tf.manifest.functions, ...tf.manifest.eventFunctions].filter((f: { secretEnv: { key: string }[] }) => f.secretEnv.some((e) => e.key === key));
      expect(getting.length, key).toBeGreaterThan(0);
      for (const f of getting) expect(f.secretEnv, f.name).toContainEqual({ key, secret: decision.secret });
    }
    expect(tf.manifest.functions.filter((f: { secretEnv: unknown[] }) => f.secretEnv.length).map((f: { name: string }) => f.name).sort()).toEqual(['webhookSomosRch', 'webhookSomosRsv']);
    for (const kind of ['http', 'event'] as const) {
      const dynamic = (serviceConfig(tf, kind).dynamic as Record<string, Record<string, unknown>[]>).secret_environment_variables![0]!;
      expect(dynamic.for_each, kind).toBe('${each.value.secretEnv}');
      expect(dynamic.content, kind).toEqual([
        {
          key: '${secret_environment_variables.value.key}',
          project_id: '${var.project_id}',
          secret: '${google_secret_manager_secret.function_secrets[secret_environment_variables.value.secret].secret_id}',
          version: 'latest',
        },
      ]);
    }
    expect(tf.resources.google_secret_manager_secret?.function_secrets?.secret_id).toBe('${each.value}');
    expect(String(tf.resources.google_secret_manager_secret?.function_secrets?.for_each)).toContain('f.secretEnv');
  });

  it('renders an environment production accepts, with the variables at their defaults or all set', async () => {
    const tf = await loadTerraform();
    const defaults = { ...variableDefaults(tf), project_id: 'acme-prod', region: 'europe-west1' };
    const all = {
      ...defaults,
      public_base_url: 'https://api.example.com',
      auth_project_id: 'acme-auth',
      telnyx_public_key: 'A'.repeat(43) + '=',
      somos_default_resporg_id: 'ABC01',
      somos_entity_id: 'AB',
      somos_sip_gateway_number: '+14155550100',
      somos_default_disaster_number: '+14155550199',
      somos_default_carriers: '0555,0288',
      somos_tss_base_url: 'https://tss.example.com',
      vapi_allow_free_numbers: true,
      provider_rate_limits: { twilio: '100', telnyx: '16.5' },
      account_policy_default: 'own-only',
      cors_origins: ['https://console.example.com', 'https://admin.example.com'],
    };
    for (const kind of ['http', 'event'] as const) {
      const bare = parseConfig({ ...renderEnv(tf, kind, defaults), SOMOS_NOTIFICATION_SECRET: 'x'.repeat(32) });
      expect(bare.PUBLIC_BASE_URL).toBe('https://numbers-gateway-abc123.uc.gateway.dev');
      expect(bare.FUNCTIONS_BASE_URL).toBe('https://europe-west1-acme-prod.cloudfunctions.net');
      expect(bare.authViaGateway).toBe(true);
      expect(bare.authProjectId).toBe('acme-prod');
      expect(bare.TELNYX_PUBLIC_KEY).toBeUndefined();
      expect(bare.PROVIDER_RATE_LIMIT_TWILIO).toBeUndefined();
      expect(bare.VAPI_ALLOW_FREE_NUMBERS).toBe(false);
      const set = parseConfig({ ...renderEnv(tf, kind, all), SOMOS_NOTIFICATION_SECRET: 'x'.repeat(32) });
      expect(set).toMatchObject({
        PUBLIC_BASE_URL: 'https://api.example.com',
        authProjectId: 'acme-auth',
        TELNYX_PUBLIC_KEY: 'A'.repeat(43) + '=',
        SOMOS_DEFAULT_RESPORG_ID: 'ABC01',
        SOMOS_ENTITY_ID: 'AB',
        SOMOS_SIP_GATEWAY_NUMBER: '+14155550100',
        SOMOS_DEFAULT_DISASTER_NUMBER: '+14155550199',
        SOMOS_DEFAULT_CARRIERS: '0555,0288',
        SOMOS_TSS_BASE_URL: 'https://tss.example.com',
        VAPI_ALLOW_FREE_NUMBERS: true,
        PROVIDER_RATE_LIMIT_TWILIO: 100,
        PROVIDER_RATE_LIMIT_TELNYX: 16.5,
        ACCOUNT_POLICY_DEFAULT: 'own-only',
        CORS_ORIGINS: ['https://console.example.com', 'https://admin.example.com'],
      });
      expect(bare.ACCOUNT_POLICY_DEFAULT).toBe('platform');
      expect(bare.CORS_ORIGINS).toEqual([]);
      expect(set.PROVIDER_RATE_LIMIT_PLIVO).toBeUndefined();
    }
    // The variables' checks are the config's: a value the code would refuse at start fails at plan.
    for (const [variable, pattern] of [
      ['telnyx_public_key', '^[A-Za-z0-9+/]{43}=$'],
      ['somos_default_resporg_id', '^[A-Z0-9]{5}$'],
      ['somos_entity_id', '^[A-Z0-9]{2}$'],
    ] as const) {
      expect(JSON.stringify(tf.variables[variable]!.validation), variable).toContain(JSON.stringify(pattern).slice(1, -1));
    }
  });
});

describe('terraform: Firestore (issue 14)', () => {
  it('deploys the single-field overrides of firestore.indexes.json, not only its composite indexes', async () => {
    const { resources, locals } = await loadTerraform();
    const config = JSON.parse(await readFile(new URL('../../firestore.indexes.json', import.meta.url), 'utf8')) as { fieldOverrides: { collectionGroup: string; fieldPath: string }[] };
    expect(config.fieldOverrides.map((o) => `${o.collectionGroup}.${o.fieldPath}`)).toEqual(expect.arrayContaining(['numbers.orderId', 'providerAccounts.tenantId']));
    expect(String(locals.firestore_overrides)).toBe('${{ for o in local.firestore_config.fieldOverrides : "${o.collectionGroup}.${o.fieldPath}" => o }}');
    const overrides = resources.google_firestore_field?.overrides as Record<string, unknown>;
    expect(overrides.for_each).toBe('${local.firestore_overrides}');
    expect(overrides.collection).toBe('${each.value.collectionGroup}');
    expect(overrides.field).toBe('${each.value.fieldPath}');
    const indexes = JSON.stringify(overrides.index_config);
    for (const part of ['${each.value.indexes}', 'indexes.value, \\"queryScope\\"', 'indexes.value, \\"order\\"', 'indexes.value, \\"arrayConfig\\"']) expect(indexes).toContain(part);
    expect(String(locals.firestore_indexes)).toBe('${local.firestore_config.indexes}');
  });

  it('expires idempotency keys, webhook records and the Somos search cache by TTL on fields the code writes as Timestamps', async () => {
    const { resources, locals, moved } = await loadTerraform();
    expect(locals.ttl_fields).toEqual({ idempotencyKeys: 'expiresAt', webhookEvents: 'expiresAt', entries: 'expiresAt' });
    const ttl = resources.google_firestore_field?.ttl as Record<string, unknown>;
    expect(ttl.for_each).toBe('${local.ttl_fields}');
    expect(ttl.collection).toBe('${each.key}');
    expect(ttl.field).toBe('${each.value}');
    expect(ttl.ttl_config).toEqual([{}]);
    expect(moved).toContainEqual({ from: '${google_firestore_field.idempotency_ttl}', to: '${google_firestore_field.ttl["idempotencyKeys"]}' });
    // The writers put a Date there (a Timestamp once stored): a string would never expire.
    const source = async (file: string) => readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
    expect(await source('shared/store/idempotency-store.ts')).toMatch(/expiresAt: new Date\(/);
    // The search cache: the service passes a Date, which its repository stores as expiresAt.
    expect(await source('modules/tollfree/services/search.ts')).toMatch(/storeCachedSearch\(deps, key, value, new Date\(/);
    expect(await source('modules/tollfree/repository/search-cache.ts')).toMatch(/expiresAt: Date\)[^]*\.set\(\{ \.\.\.value, expiresAt,/);
    for (const file of ['modules/inbound/services/relay.ts', 'modules/requirements/services/telnyx-events.ts']) {
      const code = await source(file);
      expect(code, file).toContain('webhookEvents/');
      expect(code, file).toContain('expiresAt: webhookEventExpiry(deps.now())');
    }
    const { webhookEventExpiry, WEBHOOK_EVENT_RETENTION_MS } = await import('../../shared/store/firestore.js');
    expect(webhookEventExpiry(new Date(0))).toEqual(new Date(WEBHOOK_EVENT_RETENTION_MS));
    expect(WEBHOOK_EVENT_RETENTION_MS).toBe(30 * 24 * 3600_000);
  });

  it('keeps point-in-time recovery on and a daily backup for the retention the operator chose', async () => {
    const { resources, variables } = await loadTerraform();
    expect(resources.google_firestore_database?.default?.point_in_time_recovery_enablement).toBe('POINT_IN_TIME_RECOVERY_ENABLED');
    const backup = resources.google_firestore_backup_schedule?.daily as Record<string, unknown>;
    expect(backup.database).toBe('${google_firestore_database.default.name}');
    expect(backup.daily_recurrence).toEqual([{}]);
    expect(backup.retention).toBe('${var.firestore_backup_retention_days * 24 * 60 * 60}s');
    expect(variables.firestore_backup_retention_days?.default).toBe(14);
    expect(String(variables.firestore_backup_retention_days?.description)).not.toBe('');
  });
});
