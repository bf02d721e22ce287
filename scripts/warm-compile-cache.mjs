// Fills Node's module compile cache (V8 code cache on disk) with every module a deployed function can
// load, so that a cold instance compiles nothing it can read from the cache instead.
//
// Runs in the deployable source (dist/deploy, built by `npm run build`; scripts/build-functions.ts copies
// this file there), where the functions will run: Cloud Functions' build runs it as the `gcp-build`
// script in /workspace with the runtime's own Node, and every function starts with NODE_COMPILE_CACHE
// pointing at the same directory (terraform/functions.tf). A cache entry is only used for the same file
// contents, path, Node version and V8 flags; anything else is a miss that costs nothing but the missed
// saving (`NODE_DEBUG_NATIVE=COMPILE_CACHE` shows hits and misses).
//
// Each function's build warms that function's bundle (GOOGLE_FUNCTION_TARGET, which Cloud Functions sets
// for the build); without it, every bundle.
//
// Plain JavaScript on purpose: it needs nothing but the bundles and the production dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const bundles = path.join(root, 'fn');
if (!existsSync(bundles)) {
  console.error(`compile cache: no function bundles in ${bundles}; run the copy of this script in dist/deploy (npm run build)`);
  process.exit(0); // an optimisation, never a reason to fail a deploy
}
const directory = process.env.NODE_COMPILE_CACHE || path.join(root, '.compile-cache');
// Set before any module below is compiled; NODE_COMPILE_CACHE (if set) has already enabled it.
const enabled = module.enableCompileCache(directory);
if (enabled.status === module.constants.compileCacheStatus.FAILED) {
  console.error(`compile cache: could not enable (${enabled.message}); nothing to warm`);
  process.exit(0);
}

const load = (specifier) => import(specifier).then(() => 1, (err) => {
  console.error(`compile cache: ${specifier} did not load (${err?.message ?? err})`);
  return 0;
});

// A function's bundle (fn/<name>-<hash>.cjs): a V8 code cache of every function in it, made without
// running it (writeEagerCodeCache in vendor/cached-script.mjs), in a process of its own: it changes a V8
// flag for the compilation, so a failure there costs that cache only (the bundle then compiles as usual).
const cachedScript = path.join(root, 'vendor', 'cached-script.mjs');
const target = process.env.GOOGLE_FUNCTION_TARGET;
const bundleFiles = (await readdir(bundles)).filter((f) => /^[A-Za-z0-9]+-[0-9a-f]{12}\.cjs$/.test(f)).sort();
const own = target ? bundleFiles.filter((f) => f.startsWith(`${target}-`)) : [];
for (const file of own.length ? own : bundleFiles) {
  const url = pathToFileURL(path.join(bundles, file)).href;
  const made = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `import { writeEagerCodeCache } from ${JSON.stringify(pathToFileURL(cachedScript).href)}; process.stdout.write(String(writeEagerCodeCache(new URL(${JSON.stringify(url)}), ${JSON.stringify(directory)})));`],
    // A compilation takes about a second; one that hangs must not hold the deploy's build.
    { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' },
  );
  if (made.status === 0) console.error(`compile cache: ${file}: a code cache of every function (${Math.round(Number(made.stdout) / 1024)} KB)`);
  else console.error(`compile cache: ${file}: no code cache (${(made.error?.message || made.stderr || `exit ${made.status ?? made.signal}`).trim().split('\n').at(-1)})`);
}
// The functions framework (every function's server), the vendored packages (vendor/: undici), then
// the Google clients, which a bundle imports when first used.
let loaded = await load('@google-cloud/functions-framework');
// The packages bundled once for every function (vendor/: undici; @google-cloud/firestore through its
// cached-script loader, with Secret Manager's client and google-auth-library), which bundles import on first use.
const vendor = path.join(root, 'vendor');
if (existsSync(vendor)) {
  const files = (await readdir(vendor, { recursive: true })).filter((f) => f.endsWith('.mjs')).sort();
  for (const file of files) loaded += await load(pathToFileURL(path.join(vendor, file)).href);
}
// The packages loaded through vendor/cached-script.mjs: used as a function's first request uses them,
// then their V8 code caches written, with every function compiled so far (see cached-script.mjs).
if (existsSync(cachedScript)) {
  // Each package used on its own: one that fails to load or to be used leaves the others' use in the cache.
  const use = async (file, how) => {
    if (!existsSync(file)) return;
    try {
      await how(await import(pathToFileURL(file).href));
    } catch (err) {
      console.error(`compile cache: ${path.relative(root, file)} not used before its code cache was taken (${err?.message ?? err})`);
    }
  };
  await use(path.join(vendor, '@google-cloud', 'firestore.mjs'), useFirestore);
  await use(path.join(vendor, '@google-cloud', 'secret-manager.mjs'), useSecretManager);
  await use(path.join(vendor, 'google-auth-library.mjs'), useGoogleAuth);
  await use(path.join(vendor, 'undici.mjs'), useUndici);
  await use(path.join(vendor, 'libphonenumber-js', 'max.mjs'), usePhoneNumbers);
  try {
    const { writeCodeCaches } = await import(pathToFileURL(cachedScript).href);
    console.error(`compile cache: ${writeCodeCaches(directory)} V8 code cache(s) of bundled packages written`);
  } catch (err) {
    console.error(`compile cache: no V8 code cache of the bundled packages (${err?.message ?? err})`);
  }
}
module.flushCompileCache?.();
console.error(`compile cache: ${loaded} modules (with what they import) compiled into ${enabled.directory ?? directory}`);
process.exit(0);

/**
 * What a function does with the Firestore client on its first request: the client built as
 * shared/store/firestore.ts builds it in production (REST, the bundled auth library), its first calls —
 * a read, a query, a count, a transaction that reads and writes with sentinels, a batch — answered by
 * warm-firestore-replies.mjs (the build has no database), so that the code cache also holds what those
 * calls compile.
 */
async function useFirestore({ Firestore, FieldValue, FieldPath, Filter, Timestamp }) {
  const [{ OAuth2Client }, { startFirestoreReplies }] = await Promise.all([
    import(pathToFileURL(path.join(vendor, 'google-auth-library.mjs')).href),
    import(pathToFileURL(path.join(root, 'warm-firestore-replies.mjs')).href),
  ]);
  const replies = await startFirestoreReplies();
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'compile-cache' });
  const db = new Firestore({ projectId: 'compile-cache', ignoreUndefinedProperties: true, preferRest: true, host: '127.0.0.1', port: replies.port, ssl: false, authClient });
  try {
    const doc = db.collection('tenants').doc('t').collection('numbers').doc('n');
    const query = db.collection('tenants/t/numbers').where('status', '==', 'active').where(Filter.or(Filter.where('a', '==', 1), Filter.where('b', '>', 2))).orderBy(FieldPath.documentId()).limit(10);
    await doc.get();
    await query.get();
    await query.count().get();
    await db.runTransaction(async (tx) => {
      const [a] = await tx.getAll(doc, db.doc('tenants/t'));
      if (!a.exists) tx.set(doc, { at: Timestamp.now(), n: FieldValue.increment(1), s: FieldValue.serverTimestamp(), tags: ['x'], nested: { k: 1.5, b: true, none: null } });
      tx.update(db.doc('tenants/t'), { 'a.b': FieldValue.arrayUnion('x'), d: FieldValue.delete() });
    });
    const batch = db.batch();
    batch.set(doc, { at: Timestamp.now(), n: FieldValue.increment(1) }, { merge: true });
    batch.delete(db.doc('tenants/t/numbers/m'));
    await batch.commit();
  } finally {
    await db.terminate();
    await replies.close();
  }
}

/**
 * The Secret Manager client as shared/secrets/secret-manager-store.ts builds it (REST). Not initialised:
 * that resolves credentials, which a build need not have.
 */
function useSecretManager({ SecretManagerServiceClient }) {
  const client = new SecretManagerServiceClient({ fallback: true });
  client.secretVersionPath('compile-cache', 'secret', 'latest');
}

/** google-auth-library as the functions build it: the Pub/Sub publisher's GoogleAuth, the emulator's admin client. */
function useGoogleAuth({ GoogleAuth, OAuth2Client }) {
  new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/pubsub'] });
  new OAuth2Client().setCredentials({ access_token: 'owner' });
}

/**
 * undici as the provider clients use it (shared/providers/http.ts, shared/http/outbound-request.ts): an
 * Agent with a connector of its own, a POST with a body and headers, the answer's headers and body read;
 * sent to a loopback server of this step's own.
 */
async function useUndici({ Agent, buildConnector, request }) {
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sid: 'PN0', phone_number: '+15550100000' }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const connector = buildConnector({ timeout: 5_000 });
  const agent = new Agent({ connect: (options, callback) => connector(options, callback), keepAliveTimeout: 4_000, connections: 2 });
  try {
    const res = await request(`http://127.0.0.1:${server.address().port}/2010-04-01/Accounts/AC0/IncomingPhoneNumbers.json`, {
      method: 'POST',
      headers: { authorization: 'Basic d2FybTp3YXJt', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'PhoneNumber=%2B15550100000',
      dispatcher: agent,
      headersTimeout: 5_000,
      bodyTimeout: 5_000,
    });
    JSON.parse(await res.body.text());
  } finally {
    await agent.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** libphonenumber-js as shared/domain/phone.ts uses it: numbers of several countries parsed, checked and formatted. */
function usePhoneNumbers({ parsePhoneNumberFromString }) {
  for (const [input, country] of [['+14155550142', undefined], ['(415) 555-0142', 'US'], ['+442079460123', undefined], ['+33142685300', undefined], ['+18445550201', undefined], ['not a number', undefined]]) {
    const parsed = parsePhoneNumberFromString(input, country);
    if (parsed) [parsed.isValid(), parsed.isPossible(), parsed.number, parsed.country, parsed.getType(), parsed.formatNational()];
  }
}
