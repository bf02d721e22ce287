// One function's bundle, loaded as Cloud Functions loads it, in a process of its own (run by
// scripts/rehearse/bundles.ts in the staged workspace): the package's main with FUNCTION_TARGET set.
// Reports on the IPC channel which of the table's functions got registered and every module (URL)
// that loading it resolved or ran. Nothing is served; no request is made.
import { registerHooks } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { getFunction } = await import('@google-cloud/functions-framework/testing');
const loaded = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    loaded.add(result.url);
    return result;
  },
});
const names = JSON.parse(process.env.REHEARSAL_FUNCTION_NAMES ?? '[]');
let error;
try {
  const main = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')).main ?? 'index.js';
  await import(pathToFileURL(path.join(process.cwd(), main)).href);
} catch (err) {
  error = String(err?.stack ?? err);
}
// A bundle (fn/<name>-<hash>.cjs) is read and run by the source's loader (vendor/cached-script.mjs), which
// resolves no module: ask the loader which files it ran.
const loader = path.join(process.cwd(), 'vendor', 'cached-script.mjs');
if (existsSync(loader)) {
  const { codeCacheStatus } = await import(pathToFileURL(loader).href);
  for (const file of Object.keys(codeCacheStatus())) loaded.add(pathToFileURL(path.resolve(path.dirname(loader), file)).href);
}
const registered = names.filter((name) => getFunction(name) !== undefined);
process.send({ registered, loaded: [...loaded], ...(error ? { error } : {}) }, () => process.exit(0));
