/**
 * The rehearsal's check of the per-function bundles in the staged workspace (the source Terraform
 * uploads, dist/deploy): for every function Terraform deploys, that it runs nodejs22 and its entry
 * point has a bundle; then, in a fresh process per function (scripts/rehearse/check-bundle.mjs), that
 * loading the package's main with FUNCTION_TARGET = its entry point succeeds, registers exactly that
 * target, runs its own bundle only, and keeps the rules of scripts/function-bundles.ts at
 * startup: no endpoint table, no other domain's rows, no Somos module for a non-Somos function, no
 * Google client, HTTP client or provider before the first request.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_REPORT, BUNDLES_SUBDIR, bundleProblems, VENDOR_SUBDIR, type BundleReport } from '../function-bundles.js';
import type { Findings } from './findings.js';
import type { Rendering } from './render.js';

const CHECKER = fileURLToPath(new URL('./check-bundle.mjs', import.meta.url));

export interface BundleCheck {
  name: string;
  ok: boolean;
  /** Files the process loaded from the workspace's bundles, and the source modules they hold. */
  files: number;
  sources: number;
  problems: string[];
}

export async function checkBundles(options: {
  rendering: Pick<Rendering, 'functions'>;
  workspace: string;
  findings: Findings;
  log(line: string): void;
  /** Processes at once (default 2). */
  concurrency?: number;
  reportFile?: string;
}): Promise<BundleCheck[]> {
  const { rendering, workspace, findings } = options;
  const reportFile = options.reportFile ?? BUNDLE_REPORT;
  if (!existsSync(reportFile)) {
    findings.add({ kind: 'start', fatal: true, message: `no bundle report (${reportFile}): the build did not run scripts/build-functions.ts` });
    return [];
  }
  const reports = new Map((JSON.parse(readFileSync(reportFile, 'utf8')) as { functions: BundleReport[] }).functions.map((r) => [r.name, r]));
  const names = rendering.functions.map((f) => f.entryPoint);
  const queue = [...rendering.functions];
  const results: BundleCheck[] = [];
  const worker = async () => {
    for (let fn = queue.shift(); fn; fn = queue.shift()) {
      const problems: string[] = [];
      if (fn.runtime !== 'nodejs22') problems.push(`runs ${fn.runtime || 'no runtime'}, not nodejs22`);
      const report = reports.get(fn.entryPoint);
      let files = 0;
      let sources = 0;
      if (!report || !existsSync(path.join(workspace, report.file))) {
        problems.push(`its entry point ${fn.entryPoint} has no bundle in the uploaded source (${report?.file ?? `${BUNDLES_SUBDIR}/${fn.entryPoint}-<hash>.cjs`})`);
      } else {
        const loaded = await loadInProcess(workspace, fn.entryPoint, names);
        if (loaded.error) problems.push(`loading the package's main with FUNCTION_TARGET=${fn.entryPoint} failed: ${loaded.error.split('\n').slice(0, 3).join(' ')}`);
        if (loaded.registered.length !== 1 || loaded.registered[0] !== fn.entryPoint) {
          problems.push(`registers ${loaded.registered.length ? loaded.registered.join(', ') : 'nothing'} instead of exactly ${fn.entryPoint}`);
        }
        const own = new Set<string>();
        const foreign: string[] = [];
        const packages = new Set<string>();
        for (const url of loaded.loaded) {
          if (!url.startsWith('file:')) continue;
          const file = fileURLToPath(url);
          const rel = path.relative(workspace, file).split(path.sep).join('/');
          if (rel === report.file) own.add(rel);
          else if (rel.startsWith(`${BUNDLES_SUBDIR}/`)) foreign.push(rel);
          else if (rel.startsWith(`${VENDOR_SUBDIR}/`)) packages.add(rel.replace(/\.mjs$/, ''));
          const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
          if (pkg) packages.add(pkg);
        }
        if (foreign.length) problems.push(`loads other functions' bundles (${foreign.slice(0, 3).join(', ')})`);
        if (!own.size) problems.push(`does not run its bundle ${report.file}: stale dist/function-bundles.json?`);
        // The modules its bundle runs at startup: the build's analysis of the bundle (the loader runs one file).
        const inputs = own.size ? report.startup.filter((f) => !f.startsWith('node_modules/')) : [];
        files = own.size;
        sources = inputs.length;
        problems.push(...bundleProblems({ name: fn.entryPoint, ...report.row }, report.rowsModule, inputs, [], [...packages]).map((p) => p.replace(`${fn.entryPoint} `, '')));
      }
      for (const message of problems) findings.add({ kind: 'start', function: fn.name, fatal: true, message: `bundle: ${message}` });
      results.push({ name: fn.name, ok: problems.length === 0, files, sources, problems });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  const ok = results.filter((r) => r.ok);
  const most = results.reduce<BundleCheck | undefined>((m, r) => (!m || r.sources > m.sources ? r : m), undefined);
  options.log(
    `bundles: ${ok.length} of ${results.length} load alone and register exactly their target, within the rules` +
      (most ? `; at startup ${Math.min(...results.map((r) => r.files))}–${Math.max(...results.map((r) => r.files))} bundle files, ${Math.min(...results.map((r) => r.sources))}–${most.sources} of our modules (most: ${most.name})` : ''),
  );
  return results.sort((a, b) => a.name.localeCompare(b.name));
}

function loadInProcess(workspace: string, target: string, names: string[]): Promise<{ registered: string[]; loaded: string[]; error?: string }> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', FUNCTION_TARGET: target, NODE_ENV: 'production', REHEARSAL_FUNCTION_NAMES: JSON.stringify(names) };
    const child = fork(CHECKER, [], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    let answered = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('message', (message: { registered: string[]; loaded: string[]; error?: string }) => {
      answered = true;
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!answered) resolve({ registered: [], loaded: [], error: `the check process exited (${signal ?? code}) without an answer: ${output.slice(-600)}` });
    });
  });
}
