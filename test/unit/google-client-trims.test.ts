import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { applyTrims, PROTO_CTOR, serviceProtos, SERVICES, TRIMS, trimmedFiles } from '../../scripts/google-client-trims.js';
import { replyTo } from '../../scripts/warm-firestore-replies.mjs';

const nodeModules = path.resolve(import.meta.dirname, '../../node_modules');

describe('the trims of the bundled Google clients', () => {
  it('each rewrites its line of the installed packages exactly once', async () => {
    // A package update that moves or drops a line fails the build (applyTrims throws), never trims silently less.
    expect(await trimmedFiles()).toEqual(TRIMS.map((t) => t.file));
  });

  it('refuses a file whose line is not there, naming it', () => {
    expect(() => applyTrims('google-gax/build/src/longRunningCalls/longrunning.js', '"use strict";\nconst x = 1;\n')).toThrow(/longrunning\.js has 0 copies of `__importStar\(require\("\.\.\/\.\.\/protos\/operations"\)\)`/);
  });

  it('keeps "use strict" first and defers the module, read from the deferred file, to its first property access', () => {
    const source = '"use strict";\nconst operationProtos = __importStar(require("../../protos/operations"));\nmodule.exports = operationProtos;\n';
    expect(() => applyTrims('google-gax/build/src/longRunningCalls/longrunning.js', source)).toThrow(/no deferred file was named/);
    const trimmed = applyTrims('google-gax/build/src/longRunningCalls/longrunning.js', source, './google-clients-deferred-0.cjs')!;
    expect(trimmed.startsWith('"use strict";\n')).toBe(true);
    const required: string[] = [];
    const module = { exports: {} as Record<string, unknown> };
    const run = new vm.Script(`(function (module, require, __importStar) {${trimmed}\n})`).runInThisContext() as (m: typeof module, r: (p: string) => unknown, s: (m: unknown) => unknown) => void;
    const deferredFile = { 'google-gax/build/protos/operations.js': { google: { longrunning: { Operation: 'op' } } } };
    run(module, (p) => (required.push(p), deferredFile), (m) => m);
    expect(required).toEqual([]);
    expect((module.exports.google as { longrunning: { Operation: string } }).longrunning.Operation).toBe('op');
    expect('google' in module.exports).toBe(true);
    expect(Object.keys(module.exports)).toEqual(['google']);
    expect(required).toEqual(['./google-clients-deferred-0.cjs']);
    // Writes reach the module itself.
    module.exports.extra = 1;
    expect((deferredFile['google-gax/build/protos/operations.js'] as Record<string, unknown>).extra).toBe(1);
  });

  it('refuses a file whose "use strict" comes after a block comment (its helpers would end strict mode)', () => {
    expect(() => applyTrims('google-gax/build/src/longRunningCalls/longrunning.js', '/* licence */\n"use strict";\nconst o = __importStar(require("../../protos/operations"));\n', './d.cjs')).toThrow(/after a block comment/);
  });

  it("cuts each client's descriptors to its service: every method and every message they reach, nothing of the admin API", () => {
    for (const [file, { service, protos }] of Object.entries(SERVICES)) {
      const req = createRequire(path.join(nodeModules, file));
      const whole = req(protos) as Parameters<typeof serviceProtos>[0];
      const cut = serviceProtos(whole, service, req);
      const protobuf = req('protobufjs') as { Root: { fromJSON(j: unknown): { resolveAll(): unknown; lookupService(n: string): { methodsArray: { name: string; resolve(): { resolvedRequestType: { fullName: string } } }[] }; lookup(n: string): unknown } } };
      const [full, small] = [protobuf.Root.fromJSON(whole), protobuf.Root.fromJSON(cut)];
      small.resolveAll();
      const methods = (root: typeof full) => root.lookupService(service).methodsArray.map((m) => m.name);
      expect(methods(small)).toEqual(methods(full));
      expect(JSON.stringify(cut).length).toBeLessThan(JSON.stringify(whole).length);
      for (const m of small.lookupService(service).methodsArray) expect(small.lookup(m.resolve().resolvedRequestType.fullName)).toBeTruthy();
    }
    const firestore = serviceProtos(createRequire(path.join(nodeModules, '@google-cloud/firestore-api/build/src/v1/firestore_client.js'))('../../protos/protos.json') as Parameters<typeof serviceProtos>[0], 'google.firestore.v1.Firestore', createRequire(path.join(nodeModules, '@google-cloud/firestore-api/build/src/v1/firestore_client.js')));
    expect(JSON.stringify(firestore)).not.toContain('"admin"');
    expect(JSON.stringify(firestore)).toContain('"StructuredQuery"');
  });
});

describe("the message constructors made without protobuf.js's code generation", () => {
  it('build what the generated ones build, for every message type of the Firestore descriptors', () => {
    const protoCtor = new vm.Script(`${PROTO_CTOR}__protoCtor`).runInThisContext() as (t: unknown) => new (p?: Record<string, unknown>) => Record<string, unknown>;
    const file = '@google-cloud/firestore-api/build/src/v1/firestore_client.js';
    const req = createRequire(path.join(nodeModules, file));
    type MessageType = { name: string; fieldsArray: { name: string; map: boolean; repeated: boolean }[] };
    const protobuf = req('protobufjs') as { Root: { fromJSON(j: unknown): { resolveAll(): unknown } }; Type: { generateConstructor(t: MessageType): () => new (p?: Record<string, unknown>) => Record<string, unknown> } };
    const root = protobuf.Root.fromJSON(serviceProtos(req(SERVICES[file]!.protos) as Parameters<typeof serviceProtos>[0], SERVICES[file]!.service, req));
    const types: MessageType[] = [];
    const walk = (ns: { nestedArray?: unknown[] }) => {
      for (const nested of ns.nestedArray ?? []) {
        if ((nested as { fieldsArray?: unknown }).fieldsArray) types.push(nested as MessageType);
        walk(nested as { nestedArray?: unknown[] });
      }
    };
    walk(root as { nestedArray?: unknown[] });
    expect(types.length).toBeGreaterThan(50);
    expect(types.some((t) => t.fieldsArray.some((f) => f.map))).toBe(true);
    expect(types.some((t) => t.fieldsArray.some((f) => f.repeated && !f.map))).toBe(true);
    const given = (t: MessageType) => JSON.parse(`{"__proto__": {"polluted": true}, "${t.fieldsArray[0]?.name ?? 'x'}": "v", "empty": null, "later": 0}`) as Record<string, unknown>;
    for (const t of types) {
      const [generated, closure] = [protobuf.Type.generateConstructor(t)(), protoCtor(t)];
      expect(closure.name).toBe(generated.name);
      for (const p of [undefined, given(t)]) {
        const [a, b] = [new generated(p), new closure(p)];
        expect(Object.entries(b)).toEqual(Object.entries(a));
        expect(Object.getPrototypeOf(b)).toBe(closure.prototype);
        expect((b as { polluted?: unknown }).polluted).toBeUndefined();
      }
    }
  });
});

describe('protobuf.js as the trims leave it', () => {
  it('encodes, decodes, verifies and converts Firestore messages exactly as published, generating the codecs on first use', () => {
    // A copy of the package with its trimmed src/type.js, beside the published one.
    const dir = mkdtempSync(path.join(tmpdir(), 'trimmed-protobufjs-'));
    try {
      const copy = path.join(dir, 'node_modules');
      cpSync(path.join(nodeModules, 'protobufjs'), path.join(copy, 'protobufjs'), { recursive: true });
      for (const dependency of ['@protobufjs', 'long']) symlinkSync(path.join(nodeModules, dependency), path.join(copy, dependency), 'dir');
      const typeFile = path.join(copy, 'protobufjs/src/type.js');
      writeFileSync(typeFile, applyTrims('protobufjs/src/type.js', readFileSync(typeFile, 'utf8'))!);
      type Message = Record<string, unknown>;
      type MessageType = {
        encode(m: Message): { finish(): Uint8Array };
        decode(b: Uint8Array): Message;
        verify(m: unknown): string | null;
        fromObject(o: unknown): Message;
        toObject(m: Message, o?: unknown): Message;
        setup(): MessageType;
      };
      type Protobuf = { Root: { fromJSON(j: unknown): { lookupType(n: string): MessageType } } };
      const file = '@google-cloud/firestore-api/build/src/v1/firestore_client.js';
      const req = createRequire(path.join(nodeModules, file));
      const descriptors = serviceProtos(req(SERVICES[file]!.protos) as Parameters<typeof serviceProtos>[0], SERVICES[file]!.service, req);
      const [published, trimmed] = [req('protobufjs') as Protobuf, createRequire(path.join(dir, 'x.js'))('protobufjs') as Protobuf].map((p) => p.Root.fromJSON(descriptors));
      const samples: [string, unknown][] = [
        ['google.firestore.v1.Document', { name: 'projects/p/databases/(default)/documents/a/b', fields: { n: { integerValue: '7' }, s: { stringValue: 'x' }, m: { mapValue: { fields: { t: { booleanValue: true } } } }, l: { arrayValue: { values: [{ doubleValue: 1.5 }] } } } }],
        ['google.firestore.v1.RunQueryRequest', { parent: 'projects/p/databases/(default)/documents', structuredQuery: { from: [{ collectionId: 'items' }], where: { fieldFilter: { field: { fieldPath: 'state' }, op: 'EQUAL', value: { stringValue: 'queued' } } }, limit: { value: 5 } } }],
        ['google.firestore.v1.CommitRequest', { database: 'projects/p/databases/(default)', writes: [{ update: { name: 'projects/p/databases/(default)/documents/a/b', fields: {} }, currentDocument: { exists: false } }] }],
      ];
      for (const [name, object] of samples) {
        const [a, b] = [published!.lookupType(name), trimmed!.lookupType(name)];
        b.setup();
        expect((b.encode as { name?: string }).name).toBe('encode_lazy'); // not generated until used
        const [ma, mb] = [a.fromObject(object), b.fromObject(object)];
        expect(b.toObject(mb)).toEqual(a.toObject(ma));
        const [bytesA, bytesB] = [a.encode(ma).finish(), b.encode(mb).finish()];
        expect(Buffer.from(bytesB).equals(Buffer.from(bytesA))).toBe(true);
        expect((b.encode as { name?: string }).name).not.toBe('encode_lazy');
        expect(b.toObject(b.decode(bytesB), { longs: String })).toEqual(a.toObject(a.decode(bytesA), { longs: String }));
        expect(b.verify(mb)).toBe(a.verify(ma));
        expect(b.verify({ [Object.keys(object as object)[0]!]: 42 })).toBe(a.verify({ [Object.keys(object as object)[0]!]: 42 }));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the build step's Firestore replies", () => {
  it('answer each call the warm-up makes in the shape of the REST API', () => {
    expect(replyTo('batchGet', { documents: ['projects/p/databases/(default)/documents/a/b'], newTransaction: {} })).toEqual([
      { missing: 'projects/p/databases/(default)/documents/a/b', readTime: expect.any(String), transaction: expect.any(String) },
    ]);
    expect(replyTo('runQuery', {})).toEqual([{ readTime: expect.any(String) }]);
    expect(replyTo('runAggregationQuery', { structuredAggregationQuery: { aggregations: [{ alias: 'aggregate_0', count: {} }] } })).toEqual([
      { result: { aggregateFields: { aggregate_0: { integerValue: '0' } } }, readTime: expect.any(String) },
    ]);
    expect(replyTo('commit', { writes: [{}, {}] })).toEqual({ writeResults: [{ updateTime: expect.any(String) }, { updateTime: expect.any(String) }], commitTime: expect.any(String) });
    expect(replyTo('listen', {})).toBeUndefined();
  });
});
