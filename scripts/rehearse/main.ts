/**
 * `npm run rehearse`: a deploy rehearsal on this machine, nothing sent to Google.
 *
 *   1. builds as the deploy does (`npm run build`: dist/ and the per-function bundles of dist/deploy),
 *      stages the source archive Terraform uploads (data.archive_file: source_dir minus excludes) and
 *      runs Cloud Build's step there (`npm run gcp-build`: the compile cache); then checks each
 *      function's bundle in a process of its own (./bundles.ts): it loads alone, registers exactly its
 *      entry point, and loads neither the endpoint table nor, unless it is a Somos function, Somos;
 *   2. renders terraform/ (scripts/rehearse/render.ts) with scripts/rehearse/rehearsal.tfvars.json:
 *      every function's environment, secret environment and service account, the IAM grants, topics,
 *      subscriptions, queues, indexes and the gateway's OpenAPI document;
 *   3. starts the outside world (Firestore and Pub/Sub emulators, provider sandboxes, a tenant's HTTPS
 *      webhook), the rehearsal's Google (key sets, metadata servers, Secret Manager / Cloud Tasks /
 *      Pub/Sub fronts checking Terraform's IAM grants) and a gateway serving Terraform's OpenAPI
 *      document; every function runs in its own functions-framework process, started on its first
 *      request, with only the environment Terraform gives it;
 *   4. walks each user spec's main flow through the gateway, and reports every setting, secret, role
 *      and index a function lacked, by name. Exit code 1 if anything is missing or a flow fails.
 *
 * Options: --render (print each function's rendered environment, secret environment and service account,
 * then stop), --no-build (reuse dist/ and the staged workspace), --only=<flow words,…>,
 * --terraform=<dir> (another Terraform folder), --tfvars=<file> (instead of scripts/rehearse/rehearsal.tfvars.json),
 * --keep (leave the stack running until Ctrl-C), --timeout=<seconds> (give up after, default 480).
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkBundles } from './bundles.js';
import { Rehearsal, renderForRehearsal, stageWorkspace } from './rehearsal.js';
import { renderTerraform } from './render.js';
import { walk, type StepResult } from './walk.js';
import { REPO_ROOT, rehearsalVars } from './world.js';

const run = promisify(execFile);
const args = new Map(process.argv.slice(2).map((a) => [a.replace(/^--/, '').split('=')[0]!, a.includes('=') ? a.slice(a.indexOf('=') + 1) : 'true']));
const workDir = path.join(REPO_ROOT, '.local/rehearsal');
const terraformDir = path.resolve(args.get('terraform') ?? path.join(REPO_ROOT, 'terraform'));
const t0 = Date.now();
const log = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
const timings: Record<string, number> = {};
const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - started;
  }
};

async function main(): Promise<number> {
  await mkdir(workDir, { recursive: true });
  if (args.has('render')) {
    // Only what Terraform gives each function: environment, secret environment, identity.
    const world = { values: (await import('./world.js')).worldValuesWithoutSandboxes() };
    const rendering = await renderForRehearsal(terraformDir, world, args.get('tfvars') ? path.resolve(args.get('tfvars')!) : undefined);
    const functions = rendering.functions.map(({ name, file, entryPoint, serviceAccount, env, secretEnv, problems }) => ({ name, file, entryPoint, serviceAccount, env, secretEnv, ...(problems.length ? { problems } : {}) }));
    process.stdout.write(`${JSON.stringify({ projectId: rendering.projectId, varsFromRehearsal: rendering.varsFromRehearsal, problems: rendering.problems, functions }, null, 1)}\n`);
    return rendering.problems.length || functions.some((f) => f.problems) ? 1 : 0;
  }
  const workspace = path.join(workDir, 'workspace');
  if (args.get('build') !== 'false' && !args.has('no-build')) {
    await timed('build', async () => {
      log('npm run build');
      await run('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, maxBuffer: 32 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string }) => {
        throw new Error(`npm run build failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      });
    });
    await timed('stage', async () => {
      // The archive's folder and excludes come from Terraform; a first rendering just for them.
      const placeholders = { values: new Proxy({}, { get: () => 'placeholder' }) as Record<string, string> };
      const rendering = await renderTerraform(terraformDir, { vars: await rehearsalVars(placeholders, args.get('tfvars') ? path.resolve(args.get('tfvars')!) : undefined), fallback: () => 'placeholder' });
      await rm(workspace, { recursive: true, force: true });
      await stageWorkspace(rendering, workspace);
      log(`staged the source archive in ${path.relative(REPO_ROOT, workspace)} (excludes: ${rendering.archive?.excludes.join(', ') ?? 'none'})`);
    });
    await timed('gcp-build', async () => {
      log('npm run gcp-build (in the staged workspace, as Cloud Build runs it)');
      const { stderr } = await run('npm', ['run', '--silent', 'gcp-build'], { cwd: workspace, env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`, HOME: process.env.HOME ?? '/tmp' }, maxBuffer: 32 * 1024 * 1024 }).catch(
        (err: { stdout?: string; stderr?: string }) => {
          throw new Error(`npm run gcp-build failed in ${workspace}:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
        },
      );
      log(stderr.trim().split('\n').at(-1) ?? '');
    });
  }

  if (!(await stat(path.join(workspace, 'package.json')).catch(() => undefined))) {
    throw new Error(`no staged workspace in ${workspace}: run without --no-build first`);
  }
  const rehearsal = await timed('start', () =>
    Rehearsal.start({ terraformDir, workDir, mode: 'dist', workspace, emulators: true, sandboxes: true, log, ...(args.get('tfvars') ? { tfvarsFile: path.resolve(args.get('tfvars')!) } : {}) }),
  );
  let results: StepResult[] = [];
  try {
    // Each function's bundle, as its instance loads it: its target alone, within the rules (./bundles.ts).
    await timed('bundles', () => checkBundles({ rendering: rehearsal.rendering, workspace, findings: rehearsal.findings, log }));
    log(`rendered ${rehearsal.rendering.functions.length} functions from ${path.relative(REPO_ROOT, terraformDir) || terraformDir} (project ${rehearsal.rendering.projectId}); gateway ${rehearsal.gateway?.url ?? '(none)'}`);
    const only = args.get('only')?.split(',').filter(Boolean);
    results = await timed('walk', () => walk(rehearsal, { ...(only ? { only } : {}), log }));
    // What the last steps queued (job callbacks, finalizers) finishes before the report.
    await Promise.race([rehearsal.google.tasksIdle(5_000), new Promise((r) => setTimeout(r, 10_000))]);
    rehearsal.host.settleDenials(true);
    if (args.has('keep')) {
      log(`--keep: gateway ${rehearsal.gateway?.url}; Ctrl-C to stop`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
    }
  } finally {
    await timed('stop', () => rehearsal.close());
  }
  return report(rehearsal, results);
}

function report(rehearsal: Rehearsal, results: StepResult[]): number {
  const failedSteps = results.filter((r) => !r.ok);
  const fatal = rehearsal.findings.fatal;
  const warnings = rehearsal.findings.list.filter((f) => !f.fatal);
  const started = rehearsal.host.started;
  const calls = rehearsal.google.calls;
  const lines: string[] = [];
  lines.push('', '== Deploy rehearsal ==');
  lines.push(`functions rendered: ${rehearsal.rendering.functions.length}; started (lazily, one process each): ${started.length}`);
  if (rehearsal.rendering.varsFromRehearsal.length) {
    lines.push(`Terraform variables without a default that the rehearsal's tfvars do not give, given its values of the same name: ${rehearsal.rendering.varsFromRehearsal.join(', ')}`);
  }
  if (rehearsal.rendering.unusedVars.length) lines.push(`tfvars values for variables Terraform does not declare (ignored): ${rehearsal.rendering.unusedVars.join(', ')}`);
  lines.push(`  ${started.sort().map((n) => `${n} ${rehearsal.host.startTimes[n] ?? '?'}ms`).join(', ')}`);
  const flows = [...new Set(results.map((r) => r.flow))];
  for (const flow of flows) {
    const steps = results.filter((r) => r.flow === flow);
    const ok = steps.every((s) => s.ok);
    lines.push(`${ok ? 'ok  ' : 'FAIL'} ${flow} (${steps.reduce((a, s) => a + s.ms, 0)} ms)`);
    for (const s of steps.filter((x) => !x.ok)) {
      lines.push(`       ${s.step}: ${s.error}`);
      for (const f of s.found ?? []) lines.push(`         ↳ ${f}`);
    }
  }
  lines.push(`Google API calls checked against Terraform's IAM: ${calls.length} (${calls.filter((c) => c.allowed === false).length} denied); permissions used, by service account:`);
  const bySa = new Map<string, Map<string, Set<string>>>();
  for (const c of calls) {
    const perms = bySa.get(c.serviceAccount) ?? new Map<string, Set<string>>();
    bySa.set(c.serviceAccount, perms);
    const key = `${c.permission} ← ${c.allowed === true ? c.grantedBy ?? '?' : c.allowed === false ? 'NOT GRANTED' : 'conditional grant (doubt)'}`;
    (perms.get(key) ?? perms.set(key, new Set()).get(key)!).add(c.function);
  }
  for (const [sa, perms] of [...bySa].sort()) {
    lines.push(`  ${sa}:`);
    for (const [perm, fns] of [...perms].sort()) lines.push(`    ${perm} [${fns.size} function${fns.size > 1 ? 's' : ''}]`);
  }
  if (fatal.length) {
    lines.push('', 'Missing (each would fail in production):');
    for (const f of fatal) lines.push(`  [${f.kind}] ${f.function ? `${f.function}: ` : ''}${f.message}`);
  }
  if (warnings.length) {
    lines.push('', 'Warnings:');
    for (const f of warnings) lines.push(`  [${f.kind}] ${f.function ? `${f.function}: ` : ''}${f.message}`);
  }
  lines.push('', `timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', ')}; total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  lines.push(`logs: ${path.relative(REPO_ROOT, path.join(workDir, 'logs'))}/<function>.log; rendering: ${path.relative(REPO_ROOT, path.join(workDir, 'rendered.json'))}`);
  // The index and Firestore role checks judge the queries and calls the preload observes: none observed
  // means its instrumentation no longer reaches the functions' client, and those checks passed vacuously.
  const firestoreQueries = calls.filter((c) => c.api === 'firestore' && c.permission === 'datastore.entities.list').length;
  if (results.length > 0 && firestoreQueries === 0) {
    lines.push('', 'The rehearsal observed no Firestore query: scripts/rehearse/preload.mjs no longer instruments the functions’ Firestore client, so the index and role checks judged nothing.');
  }
  const ok = failedSteps.length === 0 && fatal.length === 0 && results.length > 0 && firestoreQueries > 0;
  lines.push(ok ? 'REHEARSAL PASSED' : 'REHEARSAL FAILED');
  process.stdout.write(`${lines.join('\n')}\n`);
  void writeFile(path.join(workDir, 'report.json'), JSON.stringify({ ok, results, findings: rehearsal.findings.list, started, calls, timings }, null, 1));
  return ok ? 0 : 1;
}

// A hard deadline keeps CI bounded whatever hangs (default 8 minutes).
const deadline = Number(args.get('timeout') ?? 480);
setTimeout(() => {
  process.stderr.write(`rehearsal: no result after ${deadline} s — giving up (logs in ${path.relative(REPO_ROOT, workDir)}/logs)\n`);
  process.exit(3);
}, deadline * 1000).unref();

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 500).unref();
  },
  (err: unknown) => {
    process.stderr.write(`rehearsal could not run: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
