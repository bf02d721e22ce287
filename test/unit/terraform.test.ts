import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { parse } from '@cdktf/hcl2json';
import { endpoints, eventFunctions } from '../../functions/endpoints.js';
import { numberProviders, platformSecretName } from '../../shared/providers/registry.js';
import { queueDefinitions } from '../../shared/queue/queues.js';
import { parseConfig } from '../../shared/config.js';
import { pushTarget } from '../../shared/auth/verify-push.js';

// Terraform must deploy everything the code uses: it fails when a function, topic, queue,
// scheduler job or secret is missing from terraform/.
type Hcl = { resource?: Record<string, Record<string, Record<string, unknown>[]>>; locals?: Record<string, unknown>[] };

async function loadTerraform(): Promise<{ resources: Record<string, Record<string, Record<string, unknown>>>; locals: Record<string, unknown>; text: string; manifest: any }> {
  const dir = new URL('../../terraform/', import.meta.url);
  const resources: Record<string, Record<string, Record<string, unknown>>> = {};
  const locals: Record<string, unknown> = {};
  let text = '';
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tf'))) {
    const content = await readFile(new URL(file, dir), 'utf8');
    text += content;
    const parsed = (await parse(file, content)) as Hcl;
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      for (const [name, blocks] of Object.entries(byName)) (resources[type] ??= {})[name] = blocks[0]!;
    }
    for (const block of parsed.locals ?? []) Object.assign(locals, block);
  }
  const manifest = JSON.parse(await readFile(new URL('functions.json', dir), 'utf8'));
  return { resources, locals, text, manifest };
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
    const { resources } = await loadTerraform();
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['gcp-build']).toBe('node scripts/warm-compile-cache.mjs');
    await readFile(new URL('../../scripts/warm-compile-cache.mjs', import.meta.url), 'utf8');
    for (const kind of ['http', 'event']) {
      const service = (resources.google_cloudfunctions2_function?.[kind]?.service_config as Record<string, unknown>[])[0]!;
      expect((service.environment_variables as Record<string, string>).NODE_COMPILE_CACHE, kind).toBe('/workspace/.compile-cache');
    }
    const archive = (await readFile(new URL('../../terraform/functions.tf', import.meta.url), 'utf8')).match(/excludes\s*=\s*\[([^\]]*)\]/)?.[1] ?? '';
    expect(archive).toContain('".compile-cache"');
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

  it('lets the event functions do what the chunk worker does: publish chunks and read provider credentials', async () => {
    const { resources } = await loadTerraform();
    const publish = resources.google_pubsub_topic_iam_member?.events_publish_chunks as Record<string, string> | undefined;
    expect(publish?.topic).toContain('jobs-chunks');
    expect(publish?.role).toBe('roles/pubsub.publisher');
    expect(publish?.member).toContain('google_service_account.events');
    const platform = resources.google_secret_manager_secret_iam_member?.events_read_platform_provider as Record<string, string> | undefined;
    expect(platform?.role).toBe('roles/secretmanager.secretAccessor');
    expect(platform?.member).toContain('google_service_account.events');
    const tenant = resources.google_project_iam_member?.events_read_tenant_secrets as Record<string, unknown> | undefined;
    expect(tenant?.role).toBe('roles/secretmanager.secretAccessor');
    expect(JSON.stringify(tenant?.condition)).toContain("startsWith('tenant-')");
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
    for (const kind of ['http', 'event']) {
      const service = (resources.google_cloudfunctions2_function?.[kind]?.service_config as Record<string, unknown>[])[0]!;
      expect((service.environment_variables as Record<string, string>).PUBSUB_PUSH_SERVICE_ACCOUNT, kind).toBe(pushAccount);
    }
    // ... and aud == pushTarget(config).audience: the URL Terraform pushes to, for each function.
    const env = ((resources.google_cloudfunctions2_function?.event?.service_config as Record<string, unknown>[])[0]!.environment_variables as Record<string, string>);
    const vars = (s: string) => s.replaceAll('${var.region}', 'europe-west1').replaceAll('${var.project_id}', 'acme-prod');
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
    expect((resources.google_cloud_run_service_iam_member?.events_invoker as Record<string, string>).member).toBe(`serviceAccount:${pushAccount}`);
    const signer = resources.google_service_account_iam_member?.pubsub_signs_push_tokens as Record<string, string>;
    expect(signer.service_account_id).toBe('${google_service_account.pubsub_push.name}');
    expect(signer.role).toBe('roles/iam.serviceAccountTokenCreator');
    expect(signer.member).toContain('gcp-sa-pubsub.iam.gserviceaccount.com');
  });

  it('declares the composite indexes of firestore.indexes.json', async () => {
    const { resources } = await loadTerraform();
    expect(JSON.stringify(resources.google_firestore_index?.composite)).toContain('firestore_indexes');
  });

  it('keeps idempotency keys for 24 h only and routes the public entry through the generated gateway config', async () => {
    const { resources, text } = await loadTerraform();
    expect(JSON.stringify(resources.google_firestore_field)).toContain('idempotencyKeys');
    expect(text).toContain('api-gateway.openapi2.json.tpl');
  });
});
