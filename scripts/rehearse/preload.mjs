// Loaded into every function process of the rehearsal (`node --import preload.mjs?config=FILE`):
// the rehearsal's stand-in for the network a deployed function sits on. The function's own code
// runs unchanged, in production mode; only what lies outside the process is substituted:
//
// - Google's public key sets (Firebase ID tokens, Google-signed OIDC tokens), pubsub.googleapis.com and
//   cloudtasks.googleapis.com (both called over REST) are answered by the rehearsal's stand-ins (a
//   global fetch wrapper); any other Google host is unreachable and reported, so a code path that
//   needs an unsubstituted Google API is named;
// - the Secret Manager client library reaches the rehearsal's API front (its REST transport, as the
//   integration tests run it), authenticated from the metadata server like on Cloud Run
//   (GCE_METADATA_HOST);
// - Firestore calls are reported (queries, for the index check; methods, for the role check);
// - tenant webhook hosts resolve to a public address (so the outbound guard judges them as it would
//   in production) and are routed to the rehearsal's HTTPS receiver.
//
// Plain JavaScript: it runs in the deployed layout (dist/, no TypeScript loader).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import dns from 'node:dns';
import dnsPromises from 'node:dns/promises';
import { registerHooks, syncBuiltinESMExports } from 'node:module';
import tls from 'node:tls';

const config = JSON.parse(readFileSync(new URL(import.meta.url).searchParams.get('config'), 'utf8'));

const report = (message) => {
  try {
    if (process.connected) process.send({ rehearsal: true, ...message });
  } catch {
    // the rehearsal is gone; nothing to report to
  }
};

// ---------------------------------------------------------------------------------------------
// Google client libraries

const endpointOptions = (api) => ({ apiEndpoint: '127.0.0.1', port: config.apis[api], protocol: 'http', fallback: true });

const reported = new Set();
const strip = (value) => {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'value' || key === 'values' || key === 'startAt' || key === 'endAt' || key === 'offset' || key === 'limit') continue;
      out[key] = strip(v);
    }
    return out;
  }
  return value;
};

globalThis.__rehearsal = {
  clientOptions(api, options) {
    return { ...(options ?? {}), ...endpointOptions(api) };
  },
  instrumentFirestore(mod) {
    const Firestore = mod?.Firestore;
    if (!Firestore || Firestore.prototype.__rehearsal) return;
    Object.defineProperty(Firestore.prototype, '__rehearsal', { value: true });
    const record = (method, request) => {
      if (method === 'runQuery' || method === 'runAggregationQuery') {
        const shape = {
          parent: request?.parent,
          structuredQuery: strip(request?.structuredQuery),
          structuredAggregationQuery: request?.structuredAggregationQuery ? { structuredQuery: strip(request.structuredAggregationQuery.structuredQuery) } : undefined,
        };
        const key = JSON.stringify(shape);
        if (reported.has(key)) return;
        reported.add(key);
        report({ type: 'firestore-query', method, request: shape });
        return;
      }
      if (reported.has(method)) return;
      reported.add(method);
      report({ type: 'firestore-call', method });
    };
    const request = Firestore.prototype.request;
    Firestore.prototype.request = function (method, req, ...rest) {
      record(method, req);
      return request.call(this, method, req, ...rest);
    };
    const requestStream = Firestore.prototype.requestStream;
    Firestore.prototype.requestStream = function (method, bidirectional, req, ...rest) {
      record(method, req);
      return requestStream.call(this, method, bidirectional, req, ...rest);
    };
  },
};

const subclass = (className, api) => (real) => `
import * as ns from ${JSON.stringify(real)};
export * from ${JSON.stringify(real)};
const Base = ns.${className} ?? ns.default?.${className};
export class ${className} extends Base {
  constructor(options, gax) { super(globalThis.__rehearsal.clientOptions(${JSON.stringify(api)}, options), gax); }
}
export default { ...(ns.default ?? {}), ${className} };
`;
const SHIMS = {
  '@google-cloud/secret-manager': subclass('SecretManagerServiceClient', 'secretmanager'),
  '@google-cloud/firestore': (real) => `
import * as ns from ${JSON.stringify(real)};
export * from ${JSON.stringify(real)};
export default ns.default;
globalThis.__rehearsal.instrumentFirestore(ns.default ?? ns);
`,
};

// The deployed bundles import Firestore and Secret Manager's client (and google-auth-library) from the
// source's one bundled copy, vendor/<package>.mjs (scripts/build-functions.ts): shimmed as the package
// itself would be.
const VENDORED = /\/vendor\/(@google-cloud\/firestore|@google-cloud\/secret-manager)\.mjs$/;

// Each shim is a file of its own (a bundle's `require` of an ES module reads a file, not a data: URL),
// in a folder removed when the process exits; what a shim imports is the real module.
const shimDir = mkdtempSync(path.join(tmpdir(), 'rehearsal-shims-'));
const shimDirUrl = pathToFileURL(shimDir).href;
process.once('exit', () => rmSync(shimDir, { recursive: true, force: true }));
const shimUrls = new Map();
function shimUrl(source) {
  let url = shimUrls.get(source);
  if (!url) {
    const file = path.join(shimDir, `shim-${shimUrls.size}.mjs`);
    writeFileSync(file, source);
    url = pathToFileURL(file).href;
    shimUrls.set(source, url);
  }
  return url;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    if ((context.parentURL ?? '').startsWith(shimDirUrl)) return nextResolve(specifier, context);
    const shim = SHIMS[specifier];
    if (shim) {
      const real = nextResolve(specifier, context);
      return { url: shimUrl(shim(real.url)), format: 'module', shortCircuit: true };
    }
    const resolved = nextResolve(specifier, context);
    const vendored = VENDORED.exec(resolved.url)?.[1];
    if (vendored) return { url: shimUrl(SHIMS[vendored](resolved.url)), format: 'module', shortCircuit: true };
    return resolved;
  },
});

// ---------------------------------------------------------------------------------------------
// Google's public endpoints

const realFetch = globalThis.fetch;
const isGoogleHost = (host) => host.endsWith('.googleapis.com') || host === 'googleapis.com' || host.endsWith('.google.com') || host === 'metadata.google.internal' || host === '169.254.169.254';

function mapUrl(href) {
  for (const rule of config.redirects) {
    if (rule.exact ? href === rule.from : href.startsWith(rule.from)) return rule.to + href.slice(rule.from.length);
  }
  let host;
  try {
    host = new URL(href).hostname;
  } catch {
    return href;
  }
  return isGoogleHost(host) ? null : href;
}

globalThis.fetch = function fetch(input, init) {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input?.url;
  const mapped = typeof href === 'string' ? mapUrl(href) : href;
  if (mapped === null) {
    report({ type: 'unreachable-google', url: href.split('?')[0] });
    const cause = Object.assign(new Error(`getaddrinfo ENOTFOUND ${new URL(href).hostname} (the rehearsal has no stand-in for this Google endpoint)`), { code: 'ENOTFOUND' });
    return Promise.reject(new TypeError('fetch failed', { cause }));
  }
  if (mapped !== href) {
    if (typeof input === 'string' || input instanceof URL) input = mapped;
    else input = new Request(mapped, input);
  }
  return realFetch.call(this, input, init);
};

// ---------------------------------------------------------------------------------------------
// Tenant webhook hosts: public DNS answers, routed to the rehearsal's receiver

const hosts = config.hosts ?? {};
if (Object.keys(hosts).length) {
  const lookupPromise = dnsPromises.lookup;
  dnsPromises.lookup = async function lookup(hostname, options) {
    const host = hosts[hostname];
    if (!host) return lookupPromise.call(this, hostname, options);
    const all = [{ address: host.address, family: 4 }];
    const wantsAll = typeof options === 'object' && options?.all;
    return wantsAll ? all : all[0];
  };
  const lookupCallback = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    const host = hosts[hostname];
    const cb = typeof options === 'function' ? options : callback;
    if (!host) return lookupCallback.call(this, hostname, options, callback);
    const wantsAll = typeof options === 'object' && options?.all;
    process.nextTick(() => (wantsAll ? cb(null, [{ address: host.address, family: 4 }]) : cb(null, host.address, 4)));
    return {};
  };
  syncBuiltinESMExports();

  const connect = tls.connect;
  tls.connect = function (...args) {
    const options = args.find((a) => a && typeof a === 'object');
    const name = options?.servername ?? options?.host;
    const host = name ? hosts[name] : undefined;
    if (host && options) {
      // The caller's lookup (the outbound guard) judges the public answer; the connection is routed here.
      const lookup = options.lookup ?? dns.lookup;
      options.lookup = (hostname, lookupOptions, callback) =>
        lookup(hostname, lookupOptions, (err, address, family) => {
          if (err) return callback(err, address, family);
          if (Array.isArray(address)) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
          return callback(null, '127.0.0.1', 4);
        });
      options.port = host.port;
      options.ca = [...tls.rootCertificates, host.ca];
      report({ type: 'routed', host: name });
    }
    return connect.apply(this, args);
  };
}
