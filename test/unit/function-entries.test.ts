import { describe, expect, it } from 'vitest';
import { fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { endpoints, eventFunctions, jobTypeRoles } from '../../functions/endpoints.js';
import { buildFunctions } from '../../scripts/build-functions.js';
import { replyTo } from '../../scripts/warm-firestore-replies.mjs';
import { entryFile, functionEntries, rowLocations, strayEntries } from '../../scripts/function-entries.js';
import { bundleProblems, externalsOf, isSomosFunction } from '../../scripts/function-bundles.js';
import { TOLL_FREE_NPA_LIST } from '../../shared/domain/phone.js';
import { TOLL_FREE_NPAS } from '../../shared/providers/somos/routing-model.js';

const all = [...endpoints, ...eventFunctions];
/** Runs an ES module script with Node in `cwd`: its stdout. */
function runNode(script: string, cwd: string, env: NodeJS.ProcessEnv = process.env, args: string[] = ['--input-type=module', '-e', script]): Promise<string> {
  return runNodeWithStderr(script, cwd, env, args).then(({ out }) => out);
}
function runNodeWithStderr(script: string, cwd: string, env: NodeJS.ProcessEnv = process.env, args: string[] = ['--input-type=module', '-e', script]): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve({ out, err }) : reject(new Error(`exit ${code}: ${err.slice(-800)}`))));
  });
}

/** Bundles import their external packages from node_modules: build them inside the repository. */
const scratch = async () => {
  const dir = fileURLToPath(new URL('../../.local/', import.meta.url));
  await mkdir(dir, { recursive: true });
  return mkdtemp(path.join(dir, 'function-bundles-'));
};

// Issue 15: each deployed function starts from its own entry, bundled on its own, and loads its own
// row — never the endpoint table, never Somos unless it is a Somos function.
describe('per-function entries', () => {
  it('has one generated entry per function, importing its row from its domain module and never the table', async () => {
    const entries = await functionEntries();
    expect([...entries.keys()].sort()).toEqual(all.map((e) => entryFile(e.name)).sort());
    for (const [file, text] of entries) {
      expect(await readFile(new URL(`../../${file}`, import.meta.url), 'utf8').catch(() => ''), `${file} is stale: run \`npm run generate\``).toBe(text);
      expect(text, file).not.toMatch(/endpoints\.js|functions\/index|from '\.\.\/index\.js'/);
      expect(text.match(/from '\.\.\/\.\.\/modules\/[a-z-]+\/([a-z-]+-)?rows\.js'/g), file).toHaveLength(1);
    }
    expect(await strayEntries(entries.keys()), 'entries of functions no longer in the table (npm run generate removes them)').toEqual([]);
    const locations = await rowLocations();
    for (const row of all) expect(locations.get(row.name), row.name).toBeDefined();
  });

  it('precomputes what only the table knows: the methods at a path, the role of each bulk job type', async () => {
    const entries = await functionEntries();
    expect(entries.get(entryFile('numbersGet'))).toContain("{ allowedMethods: ['GET', 'PATCH', 'DELETE'] }");
    const jobsCreate = endpoints.find((e) => e.name === 'jobsCreate')!;
    expect(jobsCreate.roleByBodyField?.roles()).toEqual(jobTypeRoles());
  });

  it('names the toll-free NPAs outside Somos as Somos does (schemas of non-Somos functions use them)', () => {
    expect([...TOLL_FREE_NPA_LIST]).toEqual([...TOLL_FREE_NPAS]);
  });

  it('flags a bundle that loads the table, another domain’s rows, Somos for a non-Somos function or a Google client at startup', () => {
    const numbersList = { name: 'numbersList', needs: [] };
    const own = 'modules/numbers/rows.ts';
    const base = ['functions/entries/numbersList.ts', own, 'shared/http/handler.ts'];
    expect(bundleProblems(numbersList, own, base, ['modules/numbers/operations/list.ts'])).toEqual([]);
    expect(bundleProblems(numbersList, own, [...base, 'functions/endpoints.ts'], []).join()).toMatch(/whole endpoint table at startup/);
    expect(bundleProblems(numbersList, own, base, ['functions/endpoints.ts']).join()).toMatch(/whole endpoint table on its first request/);
    expect(bundleProblems(numbersList, own, [...base, 'modules/tollfree/rows.ts'], []).join()).toMatch(/other domains' rows/);
    expect(bundleProblems(numbersList, own, [...base, 'shared/providers/somos/routing.ts'], []).join()).toMatch(/no Somos function but loads Somos/);
    expect(bundleProblems(numbersList, own, base, [], ['@google-cloud/firestore']).join()).toMatch(/firestore at startup/);
    const tollfreeReserve = { name: 'tollfreeReserve', needs: ['somos', 'tasks:enqueue'], tag: 'tollfree' };
    expect(isSomosFunction(tollfreeReserve)).toBe(true);
    expect(bundleProblems(tollfreeReserve, 'modules/tollfree/rows.ts', ['modules/tollfree/rows.ts', 'shared/providers/somos/routing.ts'], [])).toEqual([]);
  });

  it('bundles every function within the rules: its startup and its first request load no table, no other rows, no Somos unless it is a Somos function', { timeout: 600_000 }, async () => {
    const outDir = await scratch();
    try {
      const { reports, problems } = await buildFunctions({ outDir, reportFile: '' });
      expect(problems).toEqual([]);
      expect(reports.map((r) => r.name).sort()).toEqual(all.map((e) => e.name).sort());
      for (const report of reports) {
        expect(report.file, report.name).toMatch(new RegExp(`^fn/${report.name}-[0-9a-f]{12}\\.cjs$`));
        expect(report.startup, report.name).toContain(report.entrySource);
        expect(report.startup, report.name).toContain(report.rowsModule);
        expect(report.operation?.modules.length, `${report.name}: its operation runs on its first request, with modules startup does not run`).toBeGreaterThan(0);
        expect(report.startup, report.name).not.toContain(report.operation?.module);
        // The schemas' barrel is split into its files: a function runs the schema modules it uses only.
        expect(Object.keys(report.modules), report.name).not.toContain('shared/api/schemas.ts');
        // zod tree-shaken (import * as z): a function's startup stays far below all of zod (~750 KB).
        const bytes = report.startup.reduce((n, m) => n + report.modules[m]!.bytes, 0);
        expect(bytes, `${report.name} runs ${Math.round(bytes / 1024)} KB at startup`).toBeLessThan(600 * 1024);
        expect(report.externals, report.name).not.toContain('zod');
        // Its own row only: a row whose fields are not all literals would keep every row of its file (and their schemas).
        const source = await readFile(path.join(outDir, report.file), 'utf8');
        // Strict, as the ES modules it is made of: the directive is its first statement.
        expect(source.split('\n').slice(0, 2), report.name).toEqual([`// ${report.name}: built by scripts/build-functions.ts from ${report.entrySource}.`, '"use strict";']);
        const ownRows = eventFunctions.some((e) => e.name === report.name) ? 0 : 1;
        expect(source.match(/\/\* @__PURE__ \*\/ defineEndpoint\(/g) ?? [], `${report.name}: the rows its bundle defines`).toHaveLength(ownRows);
      }
      const openapi = reports.find((r) => r.name === 'openapi')!;
      const everything = Object.keys(openapi.modules);
      expect(everything, 'the openapi function serves the document built at build time').not.toContain('functions/endpoints.ts');
      expect(everything).not.toContain('shared/api/openapi.ts');
      // What the deployed operation serves is the document the table renders.
      const { openApiDocument } = await import('../../modules/meta/operations/openapi-document.js');
      const served = await runNode(
        [
          `const { loadCommonJs } = await import(${JSON.stringify(pathToFileURL(path.join(outDir, 'vendor/cached-script.mjs')).href)});`,
          "const { getTestServer } = await import('@google-cloud/functions-framework/testing');",
          `loadCommonJs(new URL(${JSON.stringify(pathToFileURL(path.join(outDir, openapi.file)).href)}));`,
          "const server = getTestServer('openapi').listen(0, '127.0.0.1');",
          "await new Promise((r) => server.once('listening', r));",
          'const res = await fetch(`http://127.0.0.1:${server.address().port}/v1/openapi.json`);',
          "process.stdout.write('\\n--- body ---\\n' + (await res.text())); server.close();",
        ].join('\n'),
        outDir,
        { PATH: process.env.PATH, GOOGLE_CLOUD_PROJECT: 'demo-bundle', PLATFORM_ENV: 'local' },
      );
      expect(JSON.parse(served.split('\n--- body ---\n')[1]!)).toEqual(await openApiDocument());
      // The openapi row is its own module's (modules/meta/): no other function's bundle holds its operation.
      for (const report of reports.filter((r) => r.name !== 'openapi')) {
        expect(Object.keys(report.modules), report.name).not.toContain('modules/meta/operations/openapi.ts');
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('deploys one source whose main loads the bundle of FUNCTION_TARGET only, which registers exactly that target', { timeout: 120_000 }, async () => {
    const outDir = await scratch();
    try {
      const { reports } = await buildFunctions({ outDir, reportFile: '', only: ['numbersList', 'jobsChunkWorker', 'numbersSearchAvailable'] });
      const names = all.map((e) => e.name);
      const load = (target: string) =>
        new Promise<{ registered: string[]; loaded: string[]; error?: string }>((resolve, reject) => {
          const checker = fileURLToPath(new URL('../../scripts/rehearse/check-bundle.mjs', import.meta.url));
          const env = { PATH: process.env.PATH ?? '', FUNCTION_TARGET: target, REHEARSAL_FUNCTION_NAMES: JSON.stringify(names) };
          const child = fork(checker, [], { cwd: outDir, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
          child.once('message', (m) => resolve(m as { registered: string[]; loaded: string[]; error?: string }));
          child.once('exit', (code) => reject(new Error(`the check process exited ${code} without an answer`)));
        });
      const numbersList = await load('numbersList');
      expect(numbersList.error).toBeUndefined();
      expect(numbersList.registered).toEqual(['numbersList']);
      const own = reports.find((r) => r.name === 'numbersList')!.file;
      expect(numbersList.loaded.filter((u) => u.includes('/fn/'))).toEqual([pathToFileURL(path.join(outDir, own)).href]);
      expect((await load('jobsChunkWorker')).registered).toEqual(['jobsChunkWorker']);
      expect((await load('numbersCreate')).error, 'a target the source does not deploy').toMatch(/deploys no function "numbersCreate"/);

      // The source's one copy of undici (vendor/undici.mjs, which loads vendor/http-client-<hash>.cjs),
      // imported as the sources do, has its named exports (`const { Agent } = await import('undici')`);
      // no function loads it at startup.
      const search = reports.find((r) => r.name === 'numbersSearchAvailable')!;
      expect(search.externals).toContain('vendor/undici');
      for (const report of reports) expect(externalsOf(report, report.startup), report.name).not.toContain('vendor/undici');
      const script = [
        `const chunk = await import(${JSON.stringify(path.join(outDir, 'vendor/undici.mjs'))});`,
        "const http = await import('node:http');",
        "const server = http.createServer((q, s) => s.end('ok')).listen(0);",
        "await new Promise((r) => server.once('listening', r));",
        "const res = await chunk.request(`http://127.0.0.1:${server.address().port}/`, { dispatcher: new chunk.Agent({}) });",
        "process.stdout.write(JSON.stringify({ status: res.statusCode, body: await res.body.text(), exports: [typeof chunk.Agent, typeof chunk.request, typeof chunk.buildConnector] }));",
        'server.close();',
      ].join('\n');
      const run = await runNode(script, outDir);
      expect(JSON.parse(run)).toEqual({ status: 200, body: 'ok', exports: ['function', 'function', 'function'] });
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('loads the Firestore client from its one bundled copy, with the V8 code cache the build step wrote after using it', { timeout: 120_000 }, async () => {
    const outDir = await scratch();
    try {
      const { reports } = await buildFunctions({ outDir, reportFile: '', only: ['numbersList'] });
      const [numbersList] = reports;
      expect(numbersList!.externals).toContain('vendor/@google-cloud/firestore');
      expect(numbersList!.externals).not.toContain('@google-cloud/firestore');
      expect(externalsOf(numbersList!, numbersList!.startup)).not.toContain('vendor/@google-cloud/firestore');

      // gcp-build: the compile cache and, after the client was used, its V8 code cache.
      const cacheDir = path.join(outDir, 'cache');
      const { PATH } = process.env;
      const warmed = await runNodeWithStderr('', outDir, { PATH, NODE_COMPILE_CACHE: cacheDir, GOOGLE_FUNCTION_TARGET: 'numbersList' }, ['warm-compile-cache.mjs']);
      expect(warmed.out).toBe('');
      // Each client used as a first request uses it (the Firestore client's calls answered by warm-firestore-replies.mjs).
      expect(warmed.err).not.toMatch(/not used before its code cache was taken/);
      expect(warmed.err).toMatch(/3 V8 code cache\(s\) of bundled packages written/);
      const cacheName = (bundle: string) => new RegExp(`^v8-${bundle}-[0-9a-f]{12}\\.cjs-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.bin$`);
      // The function's own bundle: a cache of every function in it, made without running it.
      const all = (await readdir(cacheDir)).filter((f) => f.startsWith('v8-')).sort();
      expect(all.filter((f) => cacheName('numbersList').test(f))).toHaveLength(1);
      expect(warmed.err).toMatch(/numbersList-[0-9a-f]{12}\.cjs: a code cache of every function/);
      // One per package bundle (the Google clients, undici, libphonenumber-js), named by its content hash, the Node version and the architecture.
      const caches = all.filter((f) => !cacheName('numbersList').test(f));
      expect(caches).toHaveLength(3);
      // That cache holds every function of the bundle: far more than a cache of its top level, which is
      // all a cache made when the file is compiled holds. The dispatcher runs the bundle with it.
      const bundleFile = path.join(outDir, numbersList!.file);
      const topLevel = Number(
        await runNode(
          `import vm from 'node:vm'; import fs from 'node:fs'; const source = fs.readFileSync(${JSON.stringify(bundleFile)}, 'utf8'); process.stdout.write(String(new vm.Script('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})').createCachedData().length));`,
          outDir,
        ),
      );
      const eager = (await readFile(path.join(cacheDir, all.find((f) => cacheName('numbersList').test(f))!))).length;
      expect(eager).toBeGreaterThan(3 * topLevel);
      const started = await runNode(
        "await import('./index.mjs'); const { codeCacheStatus } = await import('./vendor/cached-script.mjs'); process.stdout.write('\\n--- status ---\\n' + JSON.stringify(codeCacheStatus()));",
        outDir,
        { PATH, NODE_COMPILE_CACHE: cacheDir, FUNCTION_TARGET: 'numbersList' },
      );
      expect(JSON.parse(started.split('\n--- status ---\n')[1]!)).toEqual({ [`../${numbersList!.file}`]: 'used' });
      expect(caches[0]).toMatch(cacheName('google-clients'));
      expect(caches[1]).toMatch(cacheName('http-client'));
      expect(caches[2]).toMatch(cacheName('phone-numbers'));

      // As a function's first request loads it: the package's named exports, a working client, and what became of the cache.
      const use = [
        "const { Firestore, FieldValue, Timestamp, FieldPath, Filter } = await import('./vendor/@google-cloud/firestore.mjs');",
        "const { OAuth2Client } = await import('./vendor/google-auth-library.mjs');",
        "const { SecretManagerServiceClient } = await import('./vendor/@google-cloud/secret-manager.mjs');",
        "const { codeCacheStatus } = await import('./vendor/cached-script.mjs');",
        "const db = new Firestore({ projectId: 'p', preferRest: true });",
        "const ref = db.collection('tenants').doc('t');",
        "process.stdout.write(JSON.stringify({ path: ref.path, sentinel: FieldValue.serverTimestamp().isEqual(FieldValue.serverTimestamp()), types: [typeof Timestamp.now, typeof FieldPath.documentId, typeof Filter.or, typeof new OAuth2Client().getRequestHeaders], secretPath: new SecretManagerServiceClient({ fallback: true }).secretVersionPath('p', 's', 'latest'), cache: Object.values(codeCacheStatus()) }));",
      ].join('\n');
      const expected = { path: 'tenants/t', sentinel: true, types: ['function', 'function', 'function', 'function'], secretPath: 'projects/p/secrets/s/versions/latest' };
      // Every package from the one file, loaded once.
      expect(JSON.parse(await runNode(use, outDir, { PATH, NODE_COMPILE_CACHE: cacheDir }))).toEqual({ ...expected, cache: ['used'] });
      // No cache (a bundle run where the build step did not): compiled as usual.
      expect(JSON.parse(await runNode(use, outDir, { PATH }))).toEqual({ ...expected, cache: ['none'] });
      // A cache V8 refuses (another Node, other flags, a damaged file) is only a missed saving.
      await writeFile(path.join(cacheDir, caches[0]!), Buffer.alloc(4096, 7));
      expect(JSON.parse(await runNode(use, outDir, { PATH, NODE_COMPILE_CACHE: cacheDir }))).toEqual({ ...expected, cache: ['rejected'] });

      // Its calls are made with node-fetch's Headers and FormData (scripts/google-clients-headers.mjs): every
      // header reaches the server, and Node's own copy of undici (the global ones') is never loaded.
      const seen: { method: string; authorization?: string; client?: string; type?: string }[] = [];
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const method = /:([A-Za-z]+)/.exec(req.url ?? '')?.[1] ?? '';
          seen.push({ method, authorization: req.headers.authorization, client: req.headers['x-goog-api-client'] as string | undefined, type: req.headers['content-type'] });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(replyTo(method, JSON.parse(body || '{}') as Record<string, unknown>)));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const call = [
          "const { Firestore } = await import('./vendor/@google-cloud/firestore.mjs');",
          "const { OAuth2Client } = await import('./vendor/google-auth-library.mjs');",
          "const authClient = new OAuth2Client(); authClient.setCredentials({ access_token: 'tok' });",
          `const db = new Firestore({ projectId: 'p', preferRest: true, host: '127.0.0.1', port: ${(server.address() as AddressInfo).port}, ssl: false, authClient });`,
          "const snap = await db.doc('tenants/t').get();",
          "await db.runTransaction(async (tx) => { await tx.get(db.doc('tenants/t')); tx.set(db.doc('tenants/t'), { a: 1 }); });",
          'await db.terminate();',
          "process.stdout.write(JSON.stringify({ exists: snap.exists, nodeUndici: process.moduleLoadList.filter((m) => m.includes('undici')) }), () => process.exit(0));",
        ].join('\n');
        const called = JSON.parse(await runNode(call, outDir, { PATH })) as { exists: boolean; nodeUndici: string[] };
        expect(called.exists).toBe(false);
        expect(seen.map((c) => c.method)).toEqual(['batchGet', 'batchGet', 'commit']);
        for (const c of seen) expect(c).toMatchObject({ authorization: 'Bearer tok', client: expect.stringMatching(/gax\//), type: expect.stringMatching(/^application\/json/) });
        expect(called.nodeUndici).toEqual([]);
      } finally {
        server.close();
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
