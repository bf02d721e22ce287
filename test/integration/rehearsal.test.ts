/**
 * The deploy rehearsal's own checks (scripts/rehearse/), fast: the renderer against terraform/,
 * and the start check of one function against modified copies of terraform/ — a required setting
 * removed must fail the start, naming the setting and the file that should set it. (The full
 * rehearsal with its walk is `npm run rehearse`.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../shared/config.js';
import { evaluateValue, type Scope } from '../../scripts/rehearse/hcl-eval.js';
import { checkPermission, memberOf, resources } from '../../scripts/rehearse/iam.js';
import { checkQuery, queryShapes } from '../../scripts/rehearse/indexes.js';
import { Rehearsal, renderForRehearsal } from '../../scripts/rehearse/rehearsal.js';
import type { RenderedIndex } from '../../scripts/rehearse/render.js';
import { startWorld } from '../../scripts/rehearse/world.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const temps: string[] = [];
const render = async (dir = path.join(root, 'terraform')) => {
  const workDir = await mkdtemp(path.join(tmpdir(), 'rehearsal-world-'));
  temps.push(workDir);
  const world = await startWorld({ dir: workDir, emulators: false, sandboxes: false, log: () => undefined });
  return renderForRehearsal(dir, world);
};
const FUNCTION = 'numbersCreate';

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** A copy of terraform/ (and the indexes file it reads) with `edit` applied to every .tf file. */
async function terraformCopy(edit: (text: string, file: string) => string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rehearsal-tf-'));
  temps.push(dir);
  await cp(path.join(root, 'terraform'), path.join(dir, 'terraform'), { recursive: true });
  await cp(path.join(root, 'firestore.indexes.json'), path.join(dir, 'firestore.indexes.json'));
  for (const file of (await readdir(path.join(dir, 'terraform'))).filter((f) => f.endsWith('.tf'))) {
    const p = path.join(dir, 'terraform', file);
    await writeFile(p, edit(await readFile(p, 'utf8'), file));
  }
  return path.join(dir, 'terraform');
}

/** Starts the rehearsal's Google and Cloud Run without emulators or sandboxes, then one function. */
async function startCheck(terraformDir: string, fn = FUNCTION): Promise<string[]> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'rehearsal-work-'));
  temps.push(workDir);
  const rehearsal = await Rehearsal.start({ terraformDir, workDir, mode: 'ts', emulators: false, sandboxes: false, log: () => undefined });
  try {
    return await rehearsal.startCheck(fn);
  } finally {
    await rehearsal.close();
  }
}

describe('the rehearsal renders terraform/', () => {
  it('gives every function of the manifest its entry point, environment and service account', async () => {
    const rendering = await render();
    const manifest = JSON.parse(await readFile(path.join(root, 'terraform/functions.json'), 'utf8')) as { functions: { name: string }[]; eventFunctions: { name: string }[] };
    const names = rendering.functions.map((f) => f.name).sort();
    expect(names).toEqual([...manifest.functions, ...manifest.eventFunctions].map((f) => f.name).sort());
    expect(rendering.problems).toEqual([]);
    for (const fn of rendering.functions) {
      expect(fn.problems, fn.name).toEqual([]);
      expect(fn.entryPoint, fn.name).toBe(fn.name);
      expect(fn.env.PLATFORM_ENV, fn.name).toBe('production');
      expect(fn.env.GOOGLE_CLOUD_PROJECT, fn.name).toBe('rehearsal-project');
      expect(fn.serviceAccount, fn.name).toMatch(/^[a-z][a-z0-9-]+@rehearsal-project\.iam\.gserviceaccount\.com$/);
      // What the deployed configuration would be: it parses, in production mode.
      expect(() => parseConfig({ ...fn.env, ...Object.fromEntries(fn.secretEnv.map((s) => [s.key, 'x'])) }), fn.name).not.toThrow(/FUNCTIONS_BASE_URL|TASKS_SERVICE_ACCOUNT|PUBSUB_PUSH_SERVICE_ACCOUNT/);
    }
    expect(rendering.gateway?.document.swagger).toBe('2.0');
    expect(rendering.queues.length).toBeGreaterThan(0);
    expect(rendering.indexes.length).toBeGreaterThan(0);
  });

  it('evaluates the expressions Terraform files use', () => {
    const scope: Scope = {
      moduleDir: root,
      lookup: (name) => {
        if (name === 'var') return { region: 'europe-west1', project_id: 'p', list: ['b', 'a', 'b'] };
        if (name === 'each') return { key: 'fn', value: { name: 'fn', access: 'task', deadLetterTopic: null } };
        throw new Error(name);
      },
    };
    const cases: [unknown, unknown][] = [
      ['https://${var.region}-${var.project_id}.cloudfunctions.net', 'https://europe-west1-p.cloudfunctions.net'],
      ['${{ for name, f in { a = 1, b = 2 } : name => f * 2 if f > 1 }}', { b: 4 }],
      ['${[for x in toset(var.list) : upper(x)]}', ['A', 'B']],
      ['${each.value.deadLetterTopic == null ? [] : [each.value.deadLetterTopic]}', []],
      ['${lookup({ x = 1 }, each.key, 7)}', 7],
      ['${merge({ A = "1" }, { B = each.value.access == "task" ? "t" : "p" })}', { A: '1', B: 't' }],
      ['${min(600, 300)}s', '300s'],
      ['$${literal}', '${literal}'],
      [{ KEY: '${each.key}' }, { KEY: 'fn' }],
    ];
    for (const [input, output] of cases) expect(evaluateValue(input, scope), JSON.stringify(input)).toEqual(output);
  });

  it('checks IAM grants, with the condition of a conditional one', async () => {
    const rendering = await render();
    const chunkWorker = rendering.functions.find((f) => f.name === 'jobsChunkWorker')!;
    const topic = resources.topic(rendering.projectId, 'jobs-chunks');
    expect(checkPermission(rendering.iam, memberOf(chunkWorker.serviceAccount!), 'pubsub.topics.publish', topic).allowed).toBe(true);
    expect(checkPermission(rendering.iam, memberOf('someone@rehearsal-project.iam.gserviceaccount.com'), 'pubsub.topics.publish', topic).allowed).toBe(false);
    const conditional = [{ address: 'x', file: 'x.tf', scope: 'project', role: 'roles/secretmanager.secretAccessor', members: ['serviceAccount:a@p.iam.gserviceaccount.com'], condition: { expression: "resource.name.startsWith('projects/1/secrets/tenant-')" } }];
    expect(checkPermission(conditional, 'serviceAccount:a@p.iam.gserviceaccount.com', 'secretmanager.versions.access', resources.secretVersion('1', 'tenant-x', 'latest')).allowed).toBe(true);
    expect(checkPermission(conditional, 'serviceAccount:a@p.iam.gserviceaccount.com', 'secretmanager.versions.access', resources.secretVersion('1', 'provider-x', 'latest'))).toEqual({ allowed: false });
  });

  it('names the index a query needs when none is deployed', () => {
    const deployed: RenderedIndex[] = [
      { collectionGroup: 'numbers', queryScope: 'COLLECTION', fields: [{ fieldPath: 'status', order: 'ASCENDING' }, { fieldPath: 'createdAt', order: 'DESCENDING' }, { fieldPath: 'id', order: 'DESCENDING' }], address: 'i' },
    ];
    const query = (where: unknown, orderBy: unknown[] = [], allDescendants = false) => queryShapes({ structuredQuery: { from: [{ collectionId: 'numbers', allDescendants }], where, orderBy } })[0]!;
    const eq = (field: string) => ({ fieldFilter: { field: { fieldPath: field }, op: 'EQUAL' } });
    const order = (field: string) => ({ field: { fieldPath: field }, direction: 'DESCENDING' });
    expect(checkQuery(query(eq('status'), [order('createdAt'), order('id')]), deployed).ok).toBe(true);
    expect(checkQuery(query({ compositeFilter: { op: 'AND', filters: [eq('a'), eq('b')] } }), deployed).ok).toBe(true); // merged single-field indexes
    expect(checkQuery(query(eq('status')), deployed).ok).toBe(true);
    const missing = checkQuery(query(eq('provider'), [order('createdAt'), order('id')]), deployed);
    expect(missing.ok).toBe(false);
    expect(missing.needed?.fields.map((f) => f.fieldPath)).toEqual(['provider', 'createdAt', 'id']);
    expect(checkQuery(query(eq('orderId'), [], true), deployed)).toMatchObject({ ok: false, needed: { queryScope: 'COLLECTION_GROUP' } });
  });
});

describe('the start check', () => {
  it(`starts ${FUNCTION} with the environment terraform/ gives it, and nothing of the rehearsal's own`, async () => {
    expect(await startCheck(path.join(root, 'terraform'))).toEqual([]);
    const workDir = await mkdtemp(path.join(tmpdir(), 'rehearsal-work-'));
    temps.push(workDir);
    process.env.REHEARSAL_LEAK_CHECK = 'must not reach a function';
    const rehearsal = await Rehearsal.start({ terraformDir: path.join(root, 'terraform'), workDir, mode: 'ts', emulators: false, sandboxes: false, log: () => undefined });
    try {
      const fn = rehearsal.rendering.functions.find((f) => f.name === FUNCTION)!;
      const { env, problems } = await rehearsal.host.environment(fn, 8080, '127.0.0.1:1');
      expect(problems).toEqual([]);
      const platform = ['PATH', 'HOME', 'PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION', 'FUNCTION_TARGET', 'FUNCTION_SIGNATURE_TYPE', 'NODE_ENV', 'GCE_METADATA_HOST'];
      const extra = Object.keys(env).filter((key) => !(key in fn.env) && !fn.secretEnv.some((s) => s.key === key) && !platform.includes(key));
      expect(extra).toEqual([]); // no emulator or sandbox here; the full rehearsal adds only those
      for (const [key, value] of Object.entries(fn.env)) expect(env[key], key).toBe(value.replace(/^\/workspace(?=\/|$)/, root.replace(/\/$/, '')));
    } finally {
      delete process.env.REHEARSAL_LEAK_CHECK;
      await rehearsal.close();
    }
  });

  it('fails a function whose required setting Terraform no longer sets, naming the setting and the file', async () => {
    // The settings production requires of this function, among those Terraform sets for it.
    const fn = (await render()).functions.find((f) => f.name === FUNCTION)!;
    const required = Object.keys(fn.env).filter((key) => {
      const { [key]: _removed, ...rest } = fn.env;
      try {
        parseConfig({ ...rest, ...Object.fromEntries(fn.secretEnv.map((s) => [s.key, 'x'])) });
        return false;
      } catch (err) {
        return String(err).includes(key);
      }
    });
    expect(required).toContain('FUNCTIONS_BASE_URL');
    for (const key of ['FUNCTIONS_BASE_URL', ...(required.includes('PUBLIC_BASE_URL') ? ['PUBLIC_BASE_URL'] : [])]) {
      const dir = await terraformCopy((text) => text.replace(new RegExp(`^\\s*${key}\\s*=.*$`, 'gm'), ''));
      const problems = await startCheck(dir);
      expect(problems.join('\n'), key).toMatch(new RegExp(`^${FUNCTION}: missing ${key} \\(not set by terraform/${fn.file.replace('.', '\\.')}\\)`, 'm'));
    }
  });

  it('names PUBLIC_BASE_URL when a webhook needs it and a copy of Terraform no longer sets it', async () => {
    const fn = (await render()).functions.find((f) => f.name === 'webhookTwilioInbound')!;
    if (!('PUBLIC_BASE_URL' in fn.env)) return; // nothing to remove (then the walk names it)
    const dir = await terraformCopy((text) => text.replace(/^\s*PUBLIC_BASE_URL\s*=.*$/gm, ''));
    const workDir = await mkdtemp(path.join(tmpdir(), 'rehearsal-work-'));
    temps.push(workDir);
    const rehearsal = await Rehearsal.start({ terraformDir: dir, workDir, mode: 'ts', emulators: false, sandboxes: false, log: () => undefined });
    try {
      // Optional at start (shared/config.ts), needed by the first signed webhook: through the gateway, as Twilio would call.
      expect(await rehearsal.startCheck('webhookTwilioInbound')).toEqual([]);
      const res = await fetch(`${rehearsal.gateway!.url}/webhooks/twilio/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'unchecked' },
        body: 'From=%2B14155550999&To=%2B14155550100&Body=hi&MessageSid=SM1',
      });
      expect(res.status).toBe(503);
      rehearsal.explainAnswer('webhookTwilioInbound', res.status, await res.text());
      expect(rehearsal.findings.list.map((f) => `${f.function}: ${f.message}`)).toContain(`webhookTwilioInbound: missing PUBLIC_BASE_URL (not set by terraform/${fn.file})`);
    } finally {
      await rehearsal.close();
    }
  });

  it('fails a function whose secret environment variable names a secret Terraform does not create', async () => {
    const dir = await terraformCopy((text, file) =>
      file === 'functions.tf' || text.includes('"google_cloudfunctions2_function" "http"')
        ? text.replace(/(resource "google_cloudfunctions2_function" "http" \{[\s\S]*?service_config \{)/, `$1\n    secret_environment_variables {\n      key        = "REHEARSAL_SECRET"\n      project_id = var.project_id\n      secret     = "not-declared-anywhere"\n      version    = "latest"\n    }\n`)
        : text,
    );
    const problems = await startCheck(dir);
    expect(problems.join('\n')).toMatch(new RegExp(`^${FUNCTION}: secret env REHEARSAL_SECRET: .*not-declared-anywhere`, 'm'));
  });
});
