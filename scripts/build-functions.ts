/**
 * The deployable source (`npm run build`, after tsc): dist/deploy/, what Terraform uploads as every
 * function's source (terraform/functions.tf) and Cloud Build installs and prepares.
 *
 *   package.json, package-lock.json   the repository's, with `main` the dispatcher below and the
 *                                     one script Cloud Build runs (gcp-build: the compile cache)
 *   index.mjs                         the dispatcher: runs fn/<FUNCTION_TARGET>-<hash>.cjs only
 *   fn/<name>-<hash>.cjs              each function's bundle (esbuild), one CommonJS file: its entry
 *                                     (functions/entries/<name>.ts) with what it imports statically,
 *                                     run at startup, and what it imports dynamically (its operation,
 *                                     providers, the Somos platform, …), run on first use; the
 *                                     dispatcher runs it with a V8 code cache of every function in it
 *   vendor/google-clients-<hash>.cjs  the CACHED_BUNDLES: Firestore, Secret Manager and auth in one
 *   vendor/http-client-<hash>.cjs     CommonJS file, undici in another, and vendor/<package>.mjs for
 *                                     each package, which loads its file with its V8 code cache on
 *                                     first use
 *   vendor/cached-script.mjs          that loader (scripts/cached-script.mjs)
 *   warm-compile-cache.mjs            gcp-build (scripts/warm-compile-cache.mjs): the code caches
 *
 * Cloud Functions gen2 runs `functions-framework --target=<entry_point>` on the package's `main`,
 * with FUNCTION_TARGET set to the entry point: one archive serves every function, and each loads its
 * own bundle. Bundles are tree-shaken and unminified; packages other than BUNDLED_PACKAGES and
 * CACHED_PACKAGES stay external (scripts/function-bundles.ts says why). The `openapi` function gets
 * the OpenAPI document in its bundle, read here at build time (modules/meta/operations/openapi-document.ts).
 *
 * Also writes dist/function-bundles.json (which source modules each bundle holds, which of them run
 * at startup and on the first request), read by the tests, the rehearsal and the bench, and fails
 * when a bundle breaks the rules of scripts/function-bundles.ts (bundleProblems).
 *
 * `tsx scripts/build-functions.ts [--only a,b] [--verbose]` (one line per function).
 */
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type { AnyEndpoint, EventFunction } from '../shared/api/endpoint.js';
import { endpoints, eventFunctions } from '../functions/endpoints.js';
import { ENTRIES_DIR, entryFile, functionEntries, rowLocations, MODULES_DIR } from './function-entries.js';
import {
  BUNDLE_REPORT,
  BUNDLED_PACKAGES,
  BUNDLES_SUBDIR,
  bundleProblems,
  CACHED_BUNDLES,
  CACHED_PACKAGES,
  CACHED_SCRIPT_LOADER,
  DEPLOY_DIR,
  externalsOf,
  operationModule,
  REPO_ROOT,
  staticClosure,
  PHONE_LIBRARY_LOAD,
  VENDOR_SUBDIR,
  type BundleReport,
} from './function-bundles.js';
import { deferredModulesSource, googleClientTrims } from './google-client-trims.js';
import { barrelExports, markSchemaBuildingPure, withoutSchemaBarrel } from './schema-shaking.js';

const toPosix = (p: string) => p.split(path.sep).join('/');
const requireHere = createRequire(import.meta.url);
const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);

/**
 * Bare specifiers: bundled if in BUNDLED_PACKAGES; a CACHED_PACKAGES one is the source's one shared copy
 * (vendor/<name>.mjs, one level up from fn/<function>.cjs); anything else external (Node
 * builtins are external anyway).
 */
const externals: esbuild.Plugin = {
  name: 'externals',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('node:')) return { external: true };
      if (CACHED_PACKAGES.includes(args.path)) {
        return { path: `../${VENDOR_SUBDIR}/${args.path}.mjs`, external: true };
      }
      return (BUNDLED_PACKAGES as readonly string[]).includes(packageOf(args.path)) ? undefined : { external: true };
    });
  },
};

/**
 * Marked free of side effects, so that a bundle keeps only the files whose exports it uses:
 * - the schema modules and their barrel shared/api/schemas.ts (a numbers function builds no toll-free
 *   schema);
 * - every file of a domain module (modules/<domain>/): they only declare (schemas, functions,
 *   constants), and a module's index.ts re-exports its public surface, of which a function keeps what
 *   it uses (a jobs function that uses one toll-free constant loads no Somos client). Nothing in a
 *   module is imported for its effects (the lint's no-orphans and esbuild's warning about a dropped
 *   side-effect import would show one).
 * Nothing else is marked.
 */
const SIDE_EFFECT_FREE = /[\\/]shared[\\/]api[\\/]schemas(\.ts|[\\/][^\\/]+\.ts)$|[\\/]modules[\\/][a-z-]+[\\/].+\.ts$/;
const schemaModulesWithoutSideEffects: esbuild.Plugin = {
  name: 'schema-and-module-files-without-side-effects',
  setup(build) {
    build.onResolve({ filter: /^\..*\.js$/ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      return SIDE_EFFECT_FREE.test(file) ? { path: file, sideEffects: false } : undefined;
    });
  },
};

/**
 * `import { z } from 'zod'` binds zod's namespace re-exported as a value, which esbuild cannot shake:
 * every function would carry all of zod (~750 KB, every locale). `import * as z from 'zod'` is the same
 * namespace, imported directly, of which esbuild keeps what is used (~170 KB). The sources keep the
 * usual form; the bundles get the other, a one-line rewrite with the same meaning.
 *
 * In the same files, every call that builds a top-level schema constant is marked pure, and in every
 * file an import from the schemas' barrel (shared/api/schemas.ts) becomes imports from the files that
 * define the names (scripts/schema-shaking.ts): esbuild then drops the schemas a function does not use,
 * and a function runs only the schema modules it uses. A file's rewritten source is made once per build.
 */
const ZOD_VALUE_IMPORT = /^import \{ z \} from 'zod';$/m;
const SCHEMA_BARREL = path.join(REPO_ROOT, 'shared/api/schemas.ts');
const SCHEMA_BARREL_SPECIFIER = 'schemas.js';
let barrelNames: Map<string, string> | undefined;
const schemaBarrelExports = () => (barrelNames ??= barrelExports(SCHEMA_BARREL, (file) => readFileSync(file, 'utf8')));
const rewritten = new Map<string, { text: string; contents: string }>();
/** A source file as the bundles get it: the barrel split, then zod's namespace import and the pure marks. */
function bundledSource(text: string, file: string): string {
  const known = rewritten.get(file);
  if (known?.text === text) return known.contents;
  let contents = text.includes(SCHEMA_BARREL_SPECIFIER) ? withoutSchemaBarrel(text, file, SCHEMA_BARREL, schemaBarrelExports()) : text;
  if (ZOD_VALUE_IMPORT.test(contents)) contents = markSchemaBuildingPure(contents.replace(ZOD_VALUE_IMPORT, "import * as z from 'zod';"), file);
  rewritten.set(file, { text, contents });
  return contents;
}
const schemaSources: esbuild.Plugin = {
  name: 'schema-sources',
  setup(build) {
    build.onLoad({ filter: /[\\/](shared|functions|modules)[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const contents = bundledSource(text, args.path);
      return contents === text ? undefined : { contents, loader: 'ts' };
    });
  },
};

/**
 * modules/meta/operations/openapi-document.ts → the document itself, read at build time: the `openapi` function reads no file.
 * (The openapi row is the only row of modules/meta/, so no other bundle holds this module; one that did would get no document.)
 */
function precomputedOpenApi(document: Record<string, unknown>, forFunction: string): esbuild.Plugin {
  const contents =
    forFunction === 'openapi'
      ? `// Put here by scripts/build-functions.ts at build time.\nexport async function openApiDocument() {\n  return JSON.parse(${JSON.stringify(JSON.stringify(document))});\n}\n`
      : `export async function openApiDocument() {\n  throw new Error('only the openapi function serves the OpenAPI document');\n}\n`;
  return {
    name: 'precomputed-openapi',
    setup(build) {
      build.onLoad({ filter: /[\\/]modules[\\/]meta[\\/]operations[\\/]openapi-document\.ts$/ }, () => ({ contents, loader: 'js' }));
    },
  };
}

/**
 * shared/domain/phone.ts → libphonenumber-js from the phone-numbers bundle (vendor/phone-numbers-<hash>.cjs)
 * with its code cache, where the sources require the package (PHONE_LIBRARY_LOAD), the file otherwise
 * rewritten as every other (bundledSource). A bundle is fn/<function>-<hash>.cjs, one level below the
 * source's root.
 */
function phoneLibraryFromVendor(bundleFile: string): esbuild.Plugin {
  return {
    name: 'phone-library-from-vendor',
    setup(build) {
      const loader = `../${VENDOR_SUBDIR}/${CACHED_SCRIPT_LOADER}`;
      build.onResolve({ filter: /^\.\.\/vendor\/cached-script\.mjs$/ }, (args) => (args.path === loader ? { path: loader, external: true } : undefined));
      build.onLoad({ filter: /[\\/]shared[\\/]domain[\\/]phone\.ts$/ }, async (args) => {
        const text = bundledSource(await readFile(args.path, 'utf8'), args.path);
        if (text.split(PHONE_LIBRARY_LOAD).length !== 2) throw new Error(`${args.path} no longer loads libphonenumber-js as ${PHONE_LIBRARY_LOAD}: update scripts/build-functions.ts`);
        const load = `loadCommonJs(new URL(${JSON.stringify(`../${VENDOR_SUBDIR}/${bundleFile}`)}, import.meta.url))['libphonenumber-js/max']`;
        return { contents: `import { loadCommonJs } from ${JSON.stringify(loader)};\n${text.replace(PHONE_LIBRARY_LOAD, () => load)}`, loader: 'ts' };
      });
    },
  };
}

type Row = AnyEndpoint | EventFunction;

/**
 * The start of every bundle: strict mode, as the ES modules it is made of (a directive counts only
 * before any statement, and esbuild's own comes after the banner), and what `import.meta.url` is in it
 * (CommonJS has no import.meta): its file's URL, from __filename.
 */
const BUNDLE_PRELUDE = `"use strict";\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;`;

export interface BuildOptions {
  /** Only these functions (default: all). */
  only?: readonly string[];
  /** Where the deployable source goes (default dist/deploy). */
  outDir?: string;
  /** Where the report goes (default dist/function-bundles.json); '' for none. */
  reportFile?: string;
  log?: (line: string) => void;
}

export async function buildFunctions(options: BuildOptions = {}): Promise<{ reports: BundleReport[]; problems: string[] }> {
  const outDir = options.outDir ?? DEPLOY_DIR;
  const log = options.log ?? (() => undefined);
  const rows: Row[] = [...endpoints, ...eventFunctions];
  const wanted = options.only ? rows.filter((r) => options.only!.includes(r.name)) : rows;
  const locations = await rowLocations();
  // The entries are generated (npm run generate); a missing or stale one would deploy an old view of the table.
  const entries = await functionEntries();
  const stale: string[] = [];
  for (const row of wanted) {
    const file = entryFile(row.name);
    const current = await readFile(path.join(REPO_ROOT, file), 'utf8').catch(() => undefined);
    if (current !== entries.get(file)) stale.push(`${file} is ${current === undefined ? 'missing' : 'stale'}`);
  }
  if (stale.length) throw new Error(`${stale.join('; ')}: run \`npm run generate\``);
  const { openApiDocument } = await import('../modules/meta/index.js');
  const document = await openApiDocument();

  rewritten.clear();
  barrelNames = undefined;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, BUNDLES_SUBDIR), { recursive: true });
  const cachedFiles = await buildCachedPackages(outDir);
  await copyFile(path.join(REPO_ROOT, 'scripts', CACHED_SCRIPT_LOADER), path.join(outDir, VENDOR_SUBDIR, CACHED_SCRIPT_LOADER));
  const phoneLibrary = phoneLibraryFromVendor(cachedFiles.get('phone-numbers')!);
  // precomputedOpenApi and phoneLibrary before schemaSources: the first plugin that loads a file wins.
  const pluginsFor = (name: string) => [externals, schemaModulesWithoutSideEffects, precomputedOpenApi(document, name), phoneLibrary, schemaSources];
  const reports: BundleReport[] = [];
  const problems: string[] = [];
  const bundleFiles = new Map<string, string>();
  for (const row of wanted) {
    const entrySource = `${ENTRIES_DIR}/${row.name}.ts`;
    // One CommonJS file: the dispatcher runs it with a V8 code cache of all its functions, which the
    // deploy's build step makes (scripts/cached-script.mjs); an ES module's cache (Node's compile cache)
    // holds its top-level code only. A module the entry imports dynamically (its operation, a provider)
    // still runs when first imported: esbuild wraps it in a function that the import calls.
    const built = path.join(outDir, BUNDLES_SUBDIR, `${row.name}.cjs`);
    const result = await esbuild.build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [path.join(REPO_ROOT, entrySource)],
      outfile: built,
      write: false,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node22',
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
      define: { 'import.meta.url': '__bundleUrl' },
      banner: { js: `// ${row.name}: built by scripts/build-functions.ts from ${entrySource}.\n${BUNDLE_PRELUDE}` },
      plugins: pluginsFor(row.name),
    });
    // Named by its content, as the vendored files are: V8 checks a code cache against little more than the source's length.
    const contents = result.outputFiles[0]!.contents;
    const file = `${BUNDLES_SUBDIR}/${row.name}-${createHash('sha256').update(contents).digest('hex').slice(0, 12)}.cjs`;
    await writeFile(path.join(outDir, file), contents);
    bundleFiles.set(row.name, file);
    const location = locations.get(row.name);
    const ownRows = location ? location.file : '';
    const report = summarize(row, ownRows, entrySource, file, result.metafile, toPosix(path.relative(REPO_ROOT, built)));
    const opModule = ownRows ? operationModule(row, ownRows) : undefined;
    if (opModule) {
      const startup = new Set(report.startup);
      report.operation = { module: opModule, modules: staticClosure(report, opModule).filter((m) => !startup.has(m)) };
    }
    const found = bundleProblems(row, ownRows, report.startup, report.operation?.modules ?? [], externalsOf(report, report.startup));
    if (!location) found.push(`${row.name}: its row is in no rows module of ${MODULES_DIR}/`);
    if (!opModule) found.push(`${row.name}: its operation's module could not be read from its row (operation: () => import('…'))`);
    const unknown = report.externals.filter((p) => !p.startsWith('node:') && !p.startsWith(`${VENDOR_SUBDIR}/`) && !DEPENDENCIES.has(p));
    if (unknown.length) found.push(`${row.name} imports ${unknown.join(', ')}, which package.json does not list in dependencies (Cloud Build would not install it)`);
    problems.push(...found);
    reports.push(report);
    log(`${row.name}: ${kb(report.bytes)}, ${report.startup.length} of its ${Object.keys(report.modules).length} modules at startup (${kb(report.startup.reduce((n, m) => n + report.modules[m]!.bytes, 0))})${found.length ? ` — ${found.length} problem(s)` : ''}`);
  }

  // The dispatcher, the package and gcp-build's script.
  await writeFile(path.join(outDir, 'index.mjs'), dispatcher(bundleFiles));
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(outDir, 'package.json'), `${JSON.stringify(deployPackageJson(pkg), null, 2)}\n`);
  await copyFile(path.join(REPO_ROOT, 'package-lock.json'), path.join(outDir, 'package-lock.json'));
  for (const file of ['warm-compile-cache.mjs', 'warm-firestore-replies.mjs']) await copyFile(path.join(REPO_ROOT, 'scripts', file), path.join(outDir, file));
  const reportFile = options.reportFile ?? BUNDLE_REPORT;
  if (reportFile) await writeFile(reportFile, `${JSON.stringify({ deployDir: toPosix(path.relative(REPO_ROOT, outDir)), functions: reports }, null, 1)}\n`);
  return { reports, problems };
}

/**
 * Each of the CACHED_BUNDLES: its packages in one CommonJS file (vendor/<bundle>-<hash>.cjs; Node's
 * builtins stay external) whose exports are one getter per package, so a package's code runs when first
 * asked for; and vendor/<package>.mjs for each, which loads that file through the cached-script loader
 * and names every export of the package (read from the package itself, as Node's CommonJS interop does).
 */
async function buildCachedPackages(outDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const vendorDir = path.join(outDir, VENDOR_SUBDIR);
  await mkdir(vendorDir, { recursive: true });
  /** One CommonJS file of `source` and what it requires (Node's builtins external), named by its content: V8 checks a code cache against little more than the source's length. */
  const writeBundle = async (name: string, source: string, banner: string, plugins: esbuild.Plugin[] = [], inject: string[] = []) => {
    const built = await esbuild.build({
      absWorkingDir: REPO_ROOT,
      stdin: { contents: source, resolveDir: REPO_ROOT, loader: 'js' },
      write: false,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node22',
      logLevel: 'error',
      legalComments: 'none',
      banner: { js: banner },
      plugins,
      inject,
      // Without whitespace (names and code as published): about 40 % fewer bytes to read at every cold
      // start, a fifth less time to load the file with its code cache.
      minifyWhitespace: true,
    });
    const contents = built.outputFiles[0]!.contents;
    const file = `${name}-${createHash('sha256').update(contents).digest('hex').slice(0, 12)}.cjs`;
    await writeFile(path.join(vendorDir, file), contents);
    return file;
  };
  // The modules the trims keep out of the Google clients' bundle, in a file of their own, read only if used.
  const deferredFile = await writeBundle('google-clients-deferred', deferredModulesSource(), '// Modules of the Google clients that the REST transport never loads, kept out of their bundle (scripts/google-client-trims.ts).');
  for (const bundle of CACHED_BUNDLES) {
    const getters = bundle.packages.map((pkg) => `Object.defineProperty(module.exports, ${JSON.stringify(pkg)}, { enumerable: true, get: () => require(${JSON.stringify(pkg)}) });`);
    const cjsFile = await writeBundle(
      bundle.name,
      `module.exports = {};\n${getters.join('\n')}\n`,
      `// ${bundle.packages.join(', ')}: bundled once by scripts/build-functions.ts for every function; loaded by vendor/<package>.mjs.`,
      [googleClientTrims(`./${deferredFile}`)],
      // Their Headers and FormData: node-fetch's (scripts/google-clients-headers.mjs), not the globals, which load Node's undici.
      bundle.name === 'google-clients' ? [path.join(REPO_ROOT, 'scripts/google-clients-headers.mjs')] : [],
    );
    files.set(bundle.name, cjsFile);
    for (const pkg of bundle.packages) {
      const names = Object.keys(requireHere(pkg) as object).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      const file = path.join(vendorDir, `${pkg}.mjs`);
      const rel = (target: string) => {
        const r = toPosix(path.relative(path.dirname(file), path.join(vendorDir, target)));
        return r.startsWith('.') ? r : `./${r}`;
      };
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(
        file,
        `// ${pkg}: its copy in ${cjsFile}, loaded with its V8 code cache. Generated by scripts/build-functions.ts.\n` +
          `import { loadCommonJs } from ${JSON.stringify(rel(CACHED_SCRIPT_LOADER))};\n` +
          `const pkg = loadCommonJs(new URL(${JSON.stringify(rel(cjsFile))}, import.meta.url))[${JSON.stringify(pkg)}];\n` +
          `export default pkg;\nexport const { ${names.join(', ')} } = pkg;\n`,
      );
    }
  }
  return files;
}

/**
 * The deployed package.json: the repository's (its dependencies match package-lock.json, which Cloud
 * Build installs from), with the dispatcher as main and gcp-build, the one script Cloud Build runs.
 */
export function deployPackageJson(pkg: Record<string, unknown>): Record<string, unknown> {
  return { ...pkg, main: 'index.mjs', scripts: { 'gcp-build': 'node warm-compile-cache.mjs' } };
}

const DEPENDENCIES = new Set(Object.keys((JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/** The bundle's modules from esbuild's metafile: what each imports, and what is left of it in the bundle. */
function summarize(row: Row, rowsModule: string, entrySource: string, file: string, meta: esbuild.Metafile, outputKey: string): BundleReport {
  const output = meta.outputs[outputKey];
  if (!output) throw new Error(`${row.name}: esbuild reported no output ${file}`);
  const externalName = (p: string) => (p.startsWith('node:') ? p : p.startsWith('../') ? p.replace(/^(\.\.\/)+/, '').replace(/\.mjs$/, '') : packageOf(p));
  const inBundle = new Set(Object.keys(output.inputs).map(toPosix));
  // What the file really imports from outside: esbuild also lists, as external, a TypeScript import it
  // dropped because only types use it (`import { X } from …` with X in types only).
  const outside = new Set(output.imports.filter((i) => i.external).map((i) => i.path));
  const modules: BundleReport['modules'] = {};
  const externals = new Set<string>();
  for (const [source, input] of Object.entries(meta.inputs)) {
    const key = toPosix(source);
    if (!inBundle.has(key)) continue;
    const bundled = (kinds: readonly string[]) => [...new Set(input.imports.filter((i) => !i.external && kinds.includes(i.kind)).map((i) => toPosix(i.path)))].sort();
    modules[key] = {
      bytes: output.inputs[source]?.bytesInOutput ?? 0,
      imports: bundled(['import-statement', 'require-call']),
      dynamicImports: bundled(['dynamic-import']),
      externals: [...new Set(input.imports.filter((i) => i.external && outside.has(i.path) && i.kind !== 'dynamic-import').map((i) => externalName(i.path)))].sort(),
    };
    for (const i of input.imports) if (i.external && outside.has(i.path)) externals.add(externalName(i.path));
  }
  if (!modules[entrySource]) throw new Error(`${row.name}: its bundle does not hold its entry ${entrySource}`);
  const rowFacts = { needs: [...(row.needs ?? [])], ...('tag' in row ? { tag: row.tag } : {}) };
  return { name: row.name, row: rowFacts, rowsModule, entrySource, file, bytes: output.bytes, modules, startup: staticClosure({ modules }, entrySource), externals: [...externals].sort() };
}

function dispatcher(bundles: ReadonlyMap<string, string>): string {
  return `// Generated by scripts/build-functions.ts: this source's main. Cloud Functions starts every function
// from this one source with its own entry point (FUNCTION_TARGET, terraform/functions.tf), and each
// runs its own bundle only (${BUNDLES_SUBDIR}/<name>-<hash>.cjs), which registers that one target. The bundle
// runs with the V8 code cache the deploy's build step made of it (vendor/${CACHED_SCRIPT_LOADER}).
import { loadCommonJs } from './${VENDOR_SUBDIR}/${CACHED_SCRIPT_LOADER}';
const bundles = new Map(Object.entries(${JSON.stringify(Object.fromEntries(bundles), null, 1)}));

/** As the functions framework reads it: --target (=value or next argument), else FUNCTION_TARGET. */
function target() {
  const argv = process.argv;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--target') return argv[i + 1];
    if (argv[i].startsWith('--target=')) return argv[i].slice('--target='.length);
  }
  return process.env.FUNCTION_TARGET;
}

const name = target();
const bundle = name === undefined ? undefined : bundles.get(name);
if (!bundle) {
  throw new Error(\`this source deploys no function \${JSON.stringify(name ?? null)} (FUNCTION_TARGET or --target); it has \${bundles.size}\`);
}
loadCommonJs(new URL(\`./\${bundle}\`, import.meta.url));
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { only: { type: 'string' }, verbose: { type: 'boolean', default: false } } });
  const started = Date.now();
  const { reports, problems } = await buildFunctions({
    ...(values.only ? { only: values.only.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    log: values.verbose ? (line) => console.log(line) : () => undefined,
  }).catch((err: unknown) => {
    console.error(`build-functions: ${(err as Error).message}`);
    process.exit(1);
  });
  const startupModules = reports.map((r) => r.startup.length);
  const startupKb = reports.map((r) => r.startup.reduce((n, m) => n + r.modules[m]!.bytes, 0) / 1024);
  console.log(
    `built ${reports.length} function bundles into ${path.relative(REPO_ROOT, DEPLOY_DIR)} in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `startup: ${Math.min(...startupModules)}–${Math.max(...startupModules)} modules, ${Math.round(Math.min(...startupKb))}–${Math.round(Math.max(...startupKb))} KB`,
  );
  if (problems.length) {
    console.error(`\n${problems.length} bundle problem(s) (scripts/function-bundles.ts):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}
