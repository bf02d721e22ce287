/**
 * What the bundled Google clients (vendor/google-clients-<hash>.cjs, scripts/build-functions.ts) do not
 * run at a cold start that they would run as published. Each is a rewrite of one exact line of the
 * installed package, with the same meaning for every caller; the build fails, naming the file and the
 * line, when a package update changes one (`applyTrims`), so a trim is never silently lost or misapplied.
 *
 * 1. Deferred modules. google-gax, the Firestore client and Secret Manager's client each load, at their
 *    own load, static protobuf modules that only other transports or other APIs use: google-gax's IAM,
 *    Locations and Operations messages (~2 MB), the Firestore API's and Secret Manager's every message
 *    class (~2.6 MB), Firestore's admin client and Secret Manager's v1beta2 client. Over REST none of
 *    them is used to call Firestore or to read a secret (the REST transport works from the JSON
 *    descriptors). Each `require` becomes a module loaded on its first property access (`__lazyModule`),
 *    so that code still gets the same module when it asks for it.
 * 2. Fewer descriptors. The Firestore client and the Secret Manager client each build, on their first
 *    call, protobuf.js reflection of their package's whole protos.json (the Firestore one also holds the
 *    admin API). Each client's own copy is cut to what its service's methods use (`serviceProtos`):
 *    the service, every message and enum its requests and responses reach, and the messages they nest
 *    in. The admin client, if ever loaded, keeps the whole file.
 * 3. Less generated code. protobuf.js writes out as source, and compiles with `Function`, a constructor
 *    for every message type it resolves (`Type.generateConstructor`) and, when a type is first used,
 *    its encoder, decoder, verifier and converters (`Type#setup`): hundreds of compilations on a
 *    client's first call (about 25 ms of CPU, `--cpu-prof`), none of which a code cache can hold.
 *    The constructor is made as a closure instead (`PROTO_CTOR`): it sets each map field to {} and
 *    each repeated field to [] and copies the non-null properties given, as the generated one does,
 *    and bears the type's name. The encoder, decoder and verifier, which the REST transport never
 *    calls (it converts with fromObject/toObject), are generated on their first call.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as esbuild from 'esbuild';
import { readFile } from 'node:fs/promises';
import { REPO_ROOT } from './function-bundles.js';

/** Defined at the top of every file a trim defers a module in. */
const LAZY_MODULE = `var __lazyModule = (load) => {
  let loaded;
  const get = () => (loaded ??= load());
  return new Proxy({}, {
    get: (_, key) => get()[key],
    has: (_, key) => key in get(),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, key) => {
      const found = Reflect.getOwnPropertyDescriptor(get(), key);
      return found && { ...found, configurable: true };
    },
    set: (_, key, value) => Reflect.set(get(), key, value),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(get(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(get(), key),
  });
};
`;

interface Trim {
  /** The file, relative to node_modules, /-separated. */
  file: string;
  /** Exact text → its replacement; each must occur exactly once. */
  replace: [string, string][];
}

const defer = (expression: string): [string, string] => [expression, `__lazyModule(() => ${expression})`];
/**
 * Deferred and kept out of the bundle: `require("<specifier>")` in `expression` becomes the module's copy
 * in the deferred file (DEFERRED_MODULES, vendor/google-clients-deferred-<hash>.cjs), read only if the
 * module is ever used.
 */
const moveOut = (expression: string, specifier: string, id: string): [string, string] => [
  expression,
  `__lazyModule(() => ${expression.replace(`require(${JSON.stringify(specifier)})`, `__deferredModule(${JSON.stringify(id)})`)})`,
];
const SERVICE_PROTOS = '__serviceProtos';

/** Type.generateConstructor(mtype)() without source or `Function` (see 3. above); the same fields, in the same order. */
export const PROTO_CTOR = `var __protoCtor = (mtype) => {
  const names = [], isMap = [];
  for (const field of mtype.fieldsArray) {
    if (field.map || field.repeated) names.push(field.name), isMap.push(field.map);
  }
  const ctor = function (p) {
    for (let i = 0; i < names.length; ++i) this[names[i]] = isMap[i] ? {} : [];
    if (p) for (let ks = Object.keys(p), i = 0; i < ks.length; ++i) if (p[ks[i]] != null && ks[i] !== "__proto__") this[ks[i]] = p[ks[i]];
  };
  Object.defineProperty(ctor, "name", { value: mtype.name });
  return ctor;
};
`;

/**
 * The modules moved out of the bundle (node_modules-relative): static protobuf modules of ~4 MB that the
 * REST transport never loads. Each is self-contained (it needs protobufjs/minimal only), so its copy in the
 * deferred file works on its own.
 */
export const DEFERRED_MODULES = [
  'google-gax/build/protos/iam_service.js',
  'google-gax/build/protos/locations.js',
  'google-gax/build/protos/operations.js',
  '@google-cloud/firestore-api/build/protos/protos.js',
  '@google-cloud/secret-manager/build/protos/protos.js',
] as const;

/** The service each trimmed client calls, and the descriptors (relative to its client file) it is cut from. */
export const SERVICES: Record<string, { service: string; protos: string }> = {
  '@google-cloud/firestore-api/build/src/v1/firestore_client.js': { service: 'google.firestore.v1.Firestore', protos: '../../protos/protos.json' },
  '@google-cloud/secret-manager/build/src/v1/secret_manager_service_client.js': { service: 'google.cloud.secretmanager.v1.SecretManagerService', protos: '../../protos/protos.json' },
};

export const TRIMS: Trim[] = [
  ...['google-gax/build/src/index.js', 'google-gax/build/src/fallback.js'].map((file) => ({
    file,
    replace: ['iam_service', 'locations', 'operations'].map((p) => moveOut(`__importStar(require("../protos/${p}"))`, `../protos/${p}`, `google-gax/build/protos/${p}.js`)),
  })),
  { file: 'google-gax/build/src/longRunningCalls/longrunning.js', replace: [moveOut('__importStar(require("../../protos/operations"))', '../../protos/operations', 'google-gax/build/protos/operations.js')] },
  { file: '@google-cloud/firestore/build/src/index.js', replace: [defer('require("@google-cloud/firestore-api")')] },
  {
    file: '@google-cloud/firestore-api/build/src/index.js',
    replace: [
      ['const FirestoreAdminClient = v1.FirestoreAdminClient;\nexports.FirestoreAdminClient = FirestoreAdminClient;', 'Object.defineProperty(exports, "FirestoreAdminClient", { enumerable: true, get: () => v1.FirestoreAdminClient });'],
      ['exports.default = { v1, FirestoreAdminClient, FirestoreClient };', 'exports.default = { v1, get FirestoreAdminClient() { return v1.FirestoreAdminClient; }, FirestoreClient };'],
      moveOut('require("../protos/protos")', '../protos/protos', '@google-cloud/firestore-api/build/protos/protos.js'),
    ],
  },
  { file: '@google-cloud/firestore-api/build/src/v1/index.js', replace: [defer('require("./firestore_admin_client")')] },
  {
    file: '@google-cloud/secret-manager/build/src/index.js',
    replace: [defer('require("./v1beta2")'), moveOut('require("../protos/protos")', '../protos/protos', '@google-cloud/secret-manager/build/protos/protos.js')],
  },
  {
    file: 'protobufjs/src/type.js',
    replace: [
      ['return this._ctor || (this.ctor = Type.generateConstructor(this)());', 'return this._ctor || (this.ctor = __protoCtor(this));'],
      [
        `    this.encode = encoder(this)({
        Writer : Writer,
        types  : types,
        util   : util
    });
    this.decode = decoder(this)({
        Reader : Reader,
        types  : types,
        util   : util
    });
    this.verify = verifier(this)({
        types : types,
        util  : util
    });`,
        `    var self = this;
    this.encode = function encode_lazy() { var f = self.encode = encoder(self)({ Writer: Writer, types: types, util: util }); return f.apply(this, arguments); };
    this.decode = function decode_lazy() { var f = self.decode = decoder(self)({ Reader: Reader, types: types, util: util }); return f.apply(this, arguments); };
    this.verify = function verify_lazy() { var f = self.verify = verifier(self)({ types: types, util: util }); return f.apply(this, arguments); };`,
      ],
    ],
  },
  // Each client of SERVICES reads its cut descriptors instead of the package's.
  ...Object.entries(SERVICES).map(([file, { protos }]): Trim => ({ file, replace: [[`require(${JSON.stringify(protos)})`, SERVICE_PROTOS]] })),
];


/** The trimmed text of one file of node_modules (relative, /-separated), or undefined when no trim is about it. Throws when a line to rewrite is not there exactly once. */
export function applyTrims(file: string, text: string, deferredFile?: string): string | undefined {
  const trim = TRIMS.find((t) => t.file === file);
  if (!trim) return undefined;
  let out = text;
  for (const [from, to] of trim.replace) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`google-client trims: ${file} has ${count} copies of \`${from.split('\n')[0]}\` where one was expected (the package changed: update scripts/google-client-trims.ts)`);
    out = out.replace(from, () => to);
  }
  let head = '';
  if (SERVICES[file]) {
    const { service, protos } = SERVICES[file];
    const json = serviceProtos(requireFrom(file)(protos) as ProtoJson, service, requireFrom(file));
    head += `var ${SERVICE_PROTOS} = JSON.parse(${JSON.stringify(JSON.stringify(json))});\n`;
  }
  if (trim.replace.some(([, to]) => to.includes('__lazyModule'))) head += LAZY_MODULE;
  if (trim.replace.some(([, to]) => to.includes('__protoCtor'))) head += PROTO_CTOR;
  if (trim.replace.some(([, to]) => to.includes('__deferredModule'))) {
    if (!deferredFile) throw new Error(`google-client trims: ${file} moves modules out of the bundle, and no deferred file was named`);
    head += `var __deferredModule = (id) => require(${JSON.stringify(deferredFile)})[id];\n`;
  }
  // After the file's "use strict", which must stay its first statement.
  const strict = /^(\s*(\/\/[^\n]*\n\s*)*"use strict";\n)/.exec(out)?.[1] ?? '';
  if (!strict && /^\s*(\/\*[\s\S]*?\*\/\s*|\/\/[^\n]*\n\s*)*"use strict"/.test(out)) {
    throw new Error(`google-client trims: ${file} opens with "use strict" after a block comment; the trims' helpers would end its strict mode (update scripts/google-client-trims.ts)`);
  }
  return `${strict}${head}${out.slice(strict.length)}`;
}

const requireFrom = (file: string) => createRequire(path.join(REPO_ROOT, 'node_modules', file));

interface ProtoJson {
  options?: unknown;
  nested?: Record<string, ProtoJson>;
  [key: string]: unknown;
}

/** What this file reads of protobuf.js's reflection (the library is google-gax's, not a dependency of ours). */
interface Reflected {
  fullName: string;
  parent: Reflected | null;
}
interface ReflectedField {
  name: string;
  type: string;
  id: number;
  rule?: string;
  resolve(): ReflectedField;
  resolvedType: Reflected | null;
}
interface ReflectedType extends Reflected {
  fieldsArray: ReflectedField[];
  nestedArray: Reflected[];
}
interface ReflectedMethod {
  name: string;
  resolve(): ReflectedMethod;
  resolvedRequestType: Reflected | null;
  resolvedResponseType: Reflected | null;
}
interface ReflectedService extends Reflected {
  methodsArray: ReflectedMethod[];
}
interface ReflectedRoot extends Reflected {
  resolveAll(): ReflectedRoot;
  lookupService(name: string): ReflectedService;
  lookup(name: string): Reflected | null;
}
interface ProtobufJs {
  Root: { fromJSON(json: unknown): ReflectedRoot };
}
const isType = (t: Reflected): t is ReflectedType => 'fieldsArray' in t;
const isService = (t: Reflected): t is ReflectedService => 'methodsArray' in t;
const shape = (t: Reflected): string =>
  isType(t)
    ? t.fieldsArray.map((f) => `${f.name}:${f.type}:${f.id}:${f.rule ?? ''}`).join(',')
    : isService(t)
      ? t.methodsArray.map((m) => m.name).join(',')
      : Object.keys((t as { values?: Record<string, number> }).values ?? {}).join(',');

/**
 * `json` (protobuf.js JSON descriptors) cut to `service` and what its methods' messages reach. Checked
 * before it is used: it must resolve on its own, with the same methods and the same fields in each kept
 * message as the whole file.
 */
export function serviceProtos(json: ProtoJson, service: string, req: NodeJS.Require): ProtoJson {
  const protobuf = req('protobufjs') as ProtobufJs;
  const root = protobuf.Root.fromJSON(json).resolveAll();
  const keep = new Map<string, string>();
  const add = (t: Reflected | null): void => {
    if (!t || keep.has(t.fullName)) return;
    keep.set(t.fullName, shape(t));
    if (isType(t)) {
      for (const f of t.fieldsArray) add(f.resolve().resolvedType);
      for (const nested of t.nestedArray) add(nested);
    }
    for (let p = t.parent; p && p !== root; p = p.parent) if (isType(p)) add(p);
  };
  const svc = root.lookupService(service);
  keep.set(svc.fullName, shape(svc));
  for (const m of svc.methodsArray) {
    m.resolve();
    add(m.resolvedRequestType);
    add(m.resolvedResponseType);
  }
  const out: ProtoJson = json.options ? { options: json.options } : {};
  for (const full of keep.keys()) {
    const parts = full.slice(1).split('.');
    let from = json;
    let to = out;
    for (const [i, name] of parts.entries()) {
      const source = from.nested![name]!;
      to.nested ??= {};
      if (i === parts.length - 1) to.nested[name] = source;
      else if (to.nested[name] === source) break; // its enclosing message is kept whole
      else to.nested[name] ??= Object.fromEntries(Object.entries(source).filter(([k]) => k !== 'nested'));
      from = source;
      to = to.nested[name];
    }
  }
  const check = protobuf.Root.fromJSON(JSON.parse(JSON.stringify(out))).resolveAll();
  for (const [full, was] of keep) {
    const t = check.lookup(full);
    if (!t || shape(t) !== was) throw new Error(`google-client trims: ${full} differs in the descriptors cut for ${service}`);
  }
  return out;
}

/**
 * The esbuild plugin: every file TRIMS names, trimmed; the modules moved out are read from `deferredFile`
 * (relative to the bundle, left to Node to load: see deferredModulesSource).
 */
export function googleClientTrims(deferredFile?: string): esbuild.Plugin {
  return {
    name: 'google-client-trims',
    setup(build) {
      const files = new Set(TRIMS.map((t) => t.file));
      if (deferredFile) build.onResolve({ filter: /^\.\/google-clients-deferred-[0-9a-f]+\.cjs$/ }, (args) => ({ path: args.path, external: true }));
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, async (args) => {
        const rel = path.relative(path.join(REPO_ROOT, 'node_modules'), args.path).split(path.sep).join('/');
        if (!files.has(rel)) return undefined;
        return { contents: applyTrims(rel, await readFile(args.path, 'utf8'), deferredFile), loader: 'js' };
      });
    },
  };
}

/** The deferred file's source (to bundle): each of DEFERRED_MODULES behind a getter named by its id, so it runs when first asked for. */
export function deferredModulesSource(): string {
  const getters = DEFERRED_MODULES.map((id) => `Object.defineProperty(module.exports, ${JSON.stringify(id)}, { enumerable: true, get: () => require(${JSON.stringify(path.join(REPO_ROOT, 'node_modules', id))}) });`);
  return `module.exports = {};\n${getters.join('\n')}\n`;
}

/** Every trim applies to the installed packages (for the unit test): the files each one rewrites. */
export async function trimmedFiles(): Promise<string[]> {
  for (const t of TRIMS) applyTrims(t.file, await readFile(path.join(REPO_ROOT, 'node_modules', t.file), 'utf8'), './google-clients-deferred-000000000000.cjs');
  return TRIMS.map((t) => t.file);
}
