// Loads packages bundled as one CommonJS file (vendor/google-clients-<hash>.cjs in the deployable source, made
// by scripts/build-functions.ts) with a V8 code cache taken after the package ran, not before; and each
// function's own bundle (fn/<name>-<hash>.cjs), which the dispatcher runs, with a code cache of every
// function in it (writeEagerCodeCache, below).
//
// Node's compile cache (NODE_COMPILE_CACHE) keeps what V8 compiled when a file was first compiled: the
// top-level code only. Most of a package's functions are compiled lazily, when first called — for the
// Firestore client, at its load and first use, about 130 ms of a cold start. A code cache made from the
// script after it ran (`script.createCachedData()`, as browsers do after a page's first run) also holds
// every function compiled so far, so a cold instance compiles none of them; and one file instead of the
// package's ~400 saves the module loader's resolving and reading.
//
// The deploy's build step (warm-compile-cache.mjs) loads each package, uses it as a function does, and
// writes the caches (writeCodeCaches) into the compile cache's directory; a function reads them from
// NODE_COMPILE_CACHE (terraform/functions.tf). V8 refuses a cache made by another V8 version, other
// flags or another source (`cachedDataRejected`); the file is then compiled as usual — the cache is an
// optimisation, never a condition, logged when it is missed. The cache's name carries the bundle's (with
// its content hash: V8 itself compares little more than the source's length), the Node version and the
// architecture.
//
// Plain JavaScript on purpose (copied as it is into the deployable source).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

/** Scripts loaded by this process: file → its script and what became of its cache. */
const loaded = new Map();

const defaultCacheDirectory = () => process.env.NODE_COMPILE_CACHE || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.compile-cache');
const cacheFileOf = (file, directory) => path.join(directory, `v8-${path.basename(file)}-${process.version}-${process.arch}.bin`);

/** A CommonJS file's source as Node wraps it, compiled (with `cachedData` if any): the one way both loading and writeEagerCodeCache compile. */
function compile(file, source, cachedData) {
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/** Runs a bundled CommonJS file as Node would (module, exports, require, __filename, __dirname) and returns its exports. */
export function loadCommonJs(url) {
  const file = fileURLToPath(url);
  const existing = loaded.get(file);
  if (existing) return existing.module.exports;
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFileOf(file, defaultCacheDirectory()));
  } catch {
    cachedData = undefined; // not warmed (a local run of the bundles): compiled as usual
  }
  const script = compile(file, source, cachedData);
  const module = { exports: {}, id: file, filename: file, loaded: false };
  const entry = { script, module, cache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used' };
  loaded.set(file, entry);
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  // Once per instance, in Cloud Logging's shape: a cache the build made but V8 refused (another Node or
  // other V8 flags at run time than at the build), or none where one was expected.
  if (entry.cache === 'rejected' || (entry.cache === 'none' && process.env.NODE_COMPILE_CACHE)) {
    console.error(JSON.stringify({ severity: 'WARNING', message: `${path.basename(file)} compiled without its V8 code cache (${entry.cache === 'rejected' ? 'refused by V8' : 'none written by the build'}): a slower cold start` }));
  }
  return module.exports;
}

/** What became of each loaded script's cache: 'used', 'rejected' (made elsewhere) or 'none' (no cache file). */
export function codeCacheStatus() {
  return Object.fromEntries([...loaded].map(([file, { cache }]) => [path.relative(path.dirname(fileURLToPath(import.meta.url)), file), cache]));
}

/** Writes each loaded script's code cache, with everything compiled so far, into `directory`; returns how many. */
export function writeCodeCaches(directory = defaultCacheDirectory()) {
  fs.mkdirSync(directory, { recursive: true });
  for (const [file, { script }] of loaded) fs.writeFileSync(cacheFileOf(file, directory), script.createCachedData());
  return loaded.size;
}

/**
 * Writes a code cache of the CommonJS file at `url` that holds every function in it, compiled without
 * running any (a function's own bundle, fn/<name>-<hash>.cjs, of which a cold start runs much: the handler,
 * the schemas, its operation). V8 compiles a function when it is first called, and a cache taken before
 * the file ran holds only its top level; one taken after a run holds what that run called. V8 compiles
 * every function at once while its `lazy` flag is off: the flag is turned off for this one compilation
 * and back on before the cache is written, so the cache carries the flags a function runs with (V8
 * refuses a cache made under other flags, and the file then compiles as usual). V8 does not promise that
 * changing a flag after its start is safe: run this in a process of its own (warm-compile-cache.mjs
 * does), so that a failure costs only the cache. Returns the cache's size in bytes.
 */
export function writeEagerCodeCache(url, directory = defaultCacheDirectory()) {
  const file = fileURLToPath(url);
  const source = fs.readFileSync(file, 'utf8');
  v8.setFlagsFromString('--no-lazy');
  let script;
  try {
    script = compile(file, source, undefined);
  } finally {
    v8.setFlagsFromString('--lazy');
  }
  const data = script.createCachedData();
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(cacheFileOf(file, directory), data);
  return data.length;
}
