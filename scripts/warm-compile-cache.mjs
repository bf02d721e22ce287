// Fills Node's module compile cache (V8 code cache on disk) with every module a deployed function can
// load, so that a cold instance compiles nothing it can read from the cache instead.
//
// Runs after `npm run build`, where the functions will run: Cloud Functions' build runs it as the
// `gcp-build` script in /workspace with the runtime's own Node, and every function starts with
// NODE_COMPILE_CACHE pointing at the same directory (terraform/functions.tf). A cache entry is only used
// for the same file contents, path, Node version and V8 flags; anything else is a miss that costs
// nothing but the missed saving (`NODE_DEBUG_NATIVE=COMPILE_CACHE` shows hits and misses).
//
// Plain JavaScript on purpose: it needs nothing but dist/ and the production dependencies.
import { readdir } from 'node:fs/promises';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const directory = process.env.NODE_COMPILE_CACHE || path.join(root, '.compile-cache');
// Set before any module below is compiled; NODE_COMPILE_CACHE (if set) has already enabled it.
const enabled = module.enableCompileCache(directory);
if (enabled.status === module.constants.compileCacheStatus.FAILED) {
  console.error(`compile cache: could not enable (${enabled.message}); nothing to warm`);
  process.exit(0); // an optimisation, never a reason to fail a deploy
}

const load = (specifier) => import(specifier).then(() => 1, (err) => {
  console.error(`compile cache: ${specifier} did not load (${err?.message ?? err})`);
  return 0;
});

// Every module of dist/ (operations are imported lazily, on a function's first request), then what
// they import lazily in turn from the dependencies: the Google clients and the HTTP client.
const files = (await readdir(path.join(root, 'dist'), { recursive: true })).filter((f) => f.endsWith('.js')).sort();
let loaded = 0;
for (const file of files) loaded += await load(pathToFileURL(path.join(root, 'dist', file)).href);
for (const specifier of ['@google-cloud/firestore', '@google-cloud/tasks', '@google-cloud/secret-manager', 'google-auth-library', 'undici']) {
  loaded += await load(specifier);
}
// shared/domain/phone.ts requires this one on first use (the CommonJS build).
module.createRequire(import.meta.url)('libphonenumber-js/max');
loaded += 1;
module.flushCompileCache?.();
console.error(`compile cache: ${loaded} modules (with what they import) compiled into ${enabled.directory ?? directory}`);
process.exit(0);
