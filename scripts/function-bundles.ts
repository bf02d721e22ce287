/**
 * What a deployed function's bundle may load, and where the bundles are: shared by the build
 * (scripts/build-functions.ts), its unit test (test/unit/function-entries.test.ts), the deploy
 * rehearsal (scripts/rehearse/bundles.ts) and the cold-start bench.
 *
 * A function's bundle is one CommonJS file (fn/<name>-<hash>.cjs): its entry (functions/entries/<name>.ts)
 * with what it imports statically — the modules it runs at startup — and the modules it imports
 * dynamically, which run when first imported: its operation on the first request, a provider, the
 * Somos platform, a secret store. The rules below hold for the startup closure, and for the closure of
 * the operation's module (what the first request adds), which together are what a cold start runs.
 */
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
/** The deployable source: what Terraform uploads (terraform/functions.tf source_dir). */
export const DEPLOY_DIR = path.join(REPO_ROOT, 'dist/deploy');
/** Where the functions' bundles are in DEPLOY_DIR: one file each (fn/<name>-<hash>.cjs). */
export const BUNDLES_SUBDIR = 'fn';
/** What the build learnt about each bundle (esbuild's metafile, summarised); not deployed. */
export const BUNDLE_REPORT = path.join(REPO_ROOT, 'dist/function-bundles.json');

/**
 * Packages bundled into each function (tree-shaken). Every other package stays external and is
 * installed by Cloud Build from package.json: the functions framework (its main.js and the entry must
 * share one registry and one Express), the Google clients (they read protos and package files from
 * disk; loaded on first use), twilio, libphonenumber-js and ipaddr.js (loaded on first use through
 * createRequire) — except the CACHED_PACKAGES.
 */
export const BUNDLED_PACKAGES = ['zod', 'jose'] as const;
/**
 * Packages bundled once into the source as CommonJS files (vendor/<bundle>-<hash>.cjs), each package with
 * an ES module (vendor/<package>.mjs) that loads its file on first use through scripts/cached-script.mjs:
 * with a V8 code cache taken after the packages ran at the deploy's build step, so that a cold instance
 * neither resolves their files one by one (~400 for Firestore, with google-gax, gRPC and protobufjs; ~100
 * for undici) nor compiles the functions their load and first use run. Each package's code runs only when
 * its module is imported.
 *
 * - google-clients: one copy for every function and package: the client and its FieldValue sentinels are
 *   one library's, Secret Manager's client shares Firestore's google-gax (no second copy), and
 *   google-auth-library is the one both authenticate with, as do the REST calls to Cloud Tasks and
 *   Pub/Sub (shared/queue/google-rest.ts).
 * - http-client: undici, the providers' HTTP client (shared/providers/http.ts, shared/http/outbound-request.ts),
 *   a file of its own so that a function that calls no provider reads none of it.
 * - phone-numbers: libphonenumber-js with its full metadata (~90 CommonJS files), which
 *   shared/domain/phone.ts loads synchronously on the first number it parses (the build points it at
 *   this file: PHONE_LIBRARY_LOAD).
 */
export const CACHED_BUNDLES = [
  { name: 'google-clients', packages: ['@google-cloud/firestore', '@google-cloud/secret-manager', 'google-auth-library'] },
  { name: 'http-client', packages: ['undici'] },
  { name: 'phone-numbers', packages: ['libphonenumber-js/max'] },
] as const;
/** How shared/domain/phone.ts loads libphonenumber-js in the sources; the deployed bundles load the phone-numbers file instead. */
export const PHONE_LIBRARY_LOAD = "createRequire(import.meta.url)('libphonenumber-js/max')";
export const CACHED_PACKAGES: readonly string[] = CACHED_BUNDLES.flatMap((b) => b.packages);
export const VENDOR_SUBDIR = 'vendor';
/** The loader of the CACHED_BUNDLES (scripts/cached-script.mjs), in VENDOR_SUBDIR. */
export const CACHED_SCRIPT_LOADER = 'cached-script.mjs';

/** Packages a function must not load before its first request (lazy by design: shared/deps.ts, shared/store/firestore.ts). */
export const LAZY_PACKAGES = ['@google-cloud/firestore', '@google-cloud/secret-manager', '@google-cloud/pubsub', 'google-auth-library', 'google-gax', '@grpc/grpc-js', 'undici', 'twilio', 'libphonenumber-js'];


/** What the rules read of a row (an endpoint, an event function, or a bundle report's copy). */
export interface FunctionRow {
  name: string;
  needs?: readonly string[] | undefined;
  tag?: string | undefined;
}

/**
 * A Somos function: one that talks to the TFN Registry (`needs` somos) or serves the toll-free
 * domain's records. Every other function must load no Somos module.
 */
export function isSomosFunction(row: FunctionRow): boolean {
  return !!row.needs?.includes('somos') || row.tag === 'tollfree';
}

/** Source modules (repo-relative, /-separated) of the Somos provider: its client, token, routing model and mapping. */
/** A module's rows file, repo-relative: modules/<domain>/rows.ts or modules/<domain>/<name>-rows.ts. */
export const isRowsModule = (file: string) => /^modules\/[a-z-]+\/([a-z-]+-)?rows\.ts$/.test(file);

export const isSomosModule = (file: string) => file.startsWith('shared/providers/somos/');

/** Source modules that only a whole-table process may load: the table itself and every function at once. */
export const isTableModule = (file: string) => /^functions\/(endpoints|index|manifest)\.ts$/.test(file);

/** What a bundle holds of one source module: its size there and what it imports. */
export interface BundledModule {
  /** Bytes of the module in the bundle (after tree shaking; 0 for a module that only re-exports). */
  bytes: number;
  /** Source modules it imports statically (run with it) and dynamically (run when imported), repo-relative. */
  imports: string[];
  dynamicImports: string[];
  /** External packages it imports statically; `vendor/<name>` for the source's shared copies. */
  externals: string[];
}

export interface BundleReport {
  name: string;
  /** The row's needs and tag (what makes it a Somos function) and the rows module holding it (repo-relative). */
  row: { needs: string[]; tag?: string };
  rowsModule: string;
  /** Repo-relative path of the function's entry source. */
  entrySource: string;
  /** DEPLOY_DIR-relative path of its bundle (fn/<name>-<hash>.cjs), and its size. */
  file: string;
  bytes: number;
  /** The source modules the bundle holds (repo-relative, node_modules/… for bundled packages). */
  modules: Record<string, BundledModule>;
  /** Modules run at startup: the entry and what it imports statically. */
  startup: string[];
  /** The operation's module (repo-relative) and the modules its first request adds to startup's. */
  operation?: { module: string; modules: string[] };
  /** External packages the bundle imports (statically or dynamically); `vendor/<name>` for the source's shared copies. */
  externals: string[];
}

/** The modules a module imports statically, itself included (those of the bundle only). */
export function staticClosure(report: Pick<BundleReport, 'modules'>, start: string): string[] {
  const seen = new Set<string>();
  const visit = (module: string) => {
    if (seen.has(module) || !report.modules[module]) return;
    seen.add(module);
    for (const next of report.modules[module].imports) visit(next);
  };
  visit(start);
  return [...seen].sort();
}

/** The external packages these modules import statically. */
export const externalsOf = (report: Pick<BundleReport, 'modules'>, modules: readonly string[]) => [...new Set(modules.flatMap((m) => report.modules[m]?.externals ?? []))].sort();

/** The module of a row's operation, from its `operation: () => import('…')` (repo-relative), resolved from its rows module. */
export function operationModule(row: { operation: () => unknown }, rowsModule: string): string | undefined {
  // import('../numbers/list.js'); under vitest, __vite_ssr_dynamic_import__('/modules/numbers/operations/list.ts') (from the root).
  const specifier = /import\w*\(\s*["'`]([^"'`]+)["'`]\s*\)/.exec(row.operation.toString())?.[1];
  if (!specifier) return undefined;
  const file = specifier.startsWith('/') ? specifier.slice(1) : path.posix.join(path.posix.dirname(rowsModule), specifier);
  return path.posix.normalize(file).replace(/\.js$/, '.ts');
}

/**
 * What a function's bundle must not load at a cold start, by name: '' when it keeps the rules.
 * `startupInputs` and `operationInputs`: the source modules it runs at startup and those its
 * operation adds; `ownRowsModule`: the rows module holding its row.
 */
export function bundleProblems(
  row: FunctionRow,
  ownRowsModule: string,
  startupInputs: readonly string[],
  operationInputs: readonly string[],
  startupExternals: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const somos = isSomosFunction(row);
  for (const [when, inputs] of [['at startup', startupInputs], ['on its first request', operationInputs]] as const) {
    const table = inputs.filter(isTableModule);
    if (table.length) problems.push(`${row.name} loads the whole endpoint table ${when} (${table.join(', ')})`);
    const otherRows = inputs.filter((f) => isRowsModule(f) && f !== ownRowsModule);
    if (otherRows.length) problems.push(`${row.name} loads other domains' rows ${when} (${otherRows.join(', ')}); its entry should import ${ownRowsModule} only`);
    const somosModules = inputs.filter(isSomosModule);
    if (!somos && somosModules.length) problems.push(`${row.name} is no Somos function but loads Somos modules ${when} (${somosModules.slice(0, 5).join(', ')}${somosModules.length > 5 ? `, … ${somosModules.length} in all` : ''})`);
  }
  // The vendored packages load on first use; their loader (Node's builtins only, nothing run at import) may load at startup.
  const eager = startupExternals.filter((p) => LAZY_PACKAGES.includes(p) || (p.startsWith(`${VENDOR_SUBDIR}/`) && p !== `${VENDOR_SUBDIR}/${CACHED_SCRIPT_LOADER.replace(/\.mjs$/, '')}`));
  if (eager.length) problems.push(`${row.name} loads ${eager.join(', ')} at startup (they load on first use)`);
  const providers = startupInputs.filter((f) => /^shared\/providers\/(twilio|plivo|vonage|telnyx|vapi|somos)\/client\.ts$|^shared\/providers\/vapi\/provider\.ts$/.test(f));
  if (providers.length) problems.push(`${row.name} loads provider clients at startup (${providers.join(', ')}); the registry loads them on first use`);
  return problems;
}
