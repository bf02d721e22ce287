import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { barrelExports, markSchemaBuildingPure, withoutSchemaBarrel } from '../../scripts/schema-shaking.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('schema shaking (scripts/schema-shaking.ts)', () => {
  it('marks every call that builds a schema constant, nested ones included, but not calls in callbacks or non-schema constants', () => {
    const source = [
      "import * as z from 'zod';",
      'export const Name = z.string().min(1);',
      'export const Thing = z.object({ id: z.string(), tags: z.array(Name.max(3)), n: Name.optional() }).refine((v) => check(v.id));',
      'const Page = page(Thing);',
      'const keys = Object.keys(shape);',
      'let later = z.string();',
      'function helper() { return z.number(); }',
    ].join('\n');
    const out = markSchemaBuildingPure(source);
    expect(out).toContain('export const Name = /* @__PURE__ */ z.string().min(1);');
    expect(out).toContain(
      'export const Thing = /* @__PURE__ */ z.object({ id: /* @__PURE__ */ z.string(), tags: /* @__PURE__ */ z.array(/* @__PURE__ */ Name.max(3)), n: /* @__PURE__ */ Name.optional() }).refine((v) => check(v.id));',
    );
    expect(out).toContain('const Page = /* @__PURE__ */ page(Thing);');
    expect(out).toContain('const keys = Object.keys(shape);');
    expect(out).toContain('let later = z.string();');
    expect(out).toContain('function helper() { return z.number(); }');
    // Idempotent: marking marked source changes nothing.
    expect(markSchemaBuildingPure(out)).toBe(out);
  });

  it('lets esbuild drop an unused schema whose fields are built by calls, and keep the used one', async () => {
    const schemas = [
      "import { z } from 'zod';",
      'export const Used = z.object({ id: z.string() });',
      'export const Unused = z.object({ marker: z.literal("UNUSED-SCHEMA"), nested: z.object({ n: z.number().int() }) });',
    ].join('\n');
    const bundle = async (transform: (s: string) => string) => {
      const result = await esbuild.build({
        stdin: { contents: "import { Used } from './schemas.ts'; console.log(Used.parse({ id: 'x' }));", resolveDir: ROOT, loader: 'ts' },
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'node',
        logLevel: 'silent',
        plugins: [
          {
            name: 'virtual-schemas',
            setup(build) {
              build.onResolve({ filter: /^\.\/schemas\.ts$/ }, () => ({ path: path.join(ROOT, 'virtual-schemas.ts'), sideEffects: false }));
              build.onLoad({ filter: /virtual-schemas\.ts$/ }, () => ({ contents: transform(schemas.replace("import { z } from 'zod';", "import * as z from 'zod';")), loader: 'ts', resolveDir: ROOT }));
            },
          },
        ],
      });
      return result.outputFiles[0]!.text;
    };
    expect(await bundle((s) => s)).toContain('UNUSED-SCHEMA');
    const shaken = await bundle(markSchemaBuildingPure);
    expect(shaken).not.toContain('UNUSED-SCHEMA');
    expect(shaken).toContain('var Used =');
  });

  it('splits imports from the schemas barrel into imports from the files that define the names', () => {
    const barrel = path.join(ROOT, 'shared/api/schemas.ts');
    const names = barrelExports(barrel, (file) => readFileSync(file, 'utf8'));
    expect(names.get('PhoneNumberResource')).toBe(path.join(ROOT, 'shared/api/schemas/numbers.ts'));
    expect(names.get('E164')).toBe(path.join(ROOT, 'shared/api/schemas/base.ts'));
    const file = path.join(ROOT, 'modules/numbers/operations/example.ts');
    const source = [
      "import { PhoneNumberResource as Resource, E164, type TollFreeNumberResource } from '../../../shared/api/schemas.js';",
      "import type { NumbersPage } from '../../../shared/api/schemas.js';",
      "import { type AddressResource } from '../../../shared/api/schemas.js';",
      "import * as schemas from '../../../shared/api/schemas.js';",
      "export { JobResource } from '../../../shared/api/schemas.js';",
      "import { other } from './schemas.js';",
    ].join('\n');
    expect(withoutSchemaBarrel(source, file, barrel, names).split('\n')).toEqual([
      "import { PhoneNumberResource as Resource } from '../../../shared/api/schemas/numbers.js';",
      "import { E164 } from '../../../shared/api/schemas/base.js';",
      "import type { TollFreeNumberResource } from '../../../shared/api/schemas/tollfree.js';",
      "import type { NumbersPage } from '../../../shared/api/schemas/numbers.js';",
      "import type { AddressResource } from '../../../shared/api/schemas/addresses.js';",
      "import * as schemas from '../../../shared/api/schemas.js';",
      "export { JobResource } from '../../../shared/api/schemas/jobs.js';",
      "import { other } from './schemas.js';",
    ]);
    expect(() => withoutSchemaBarrel("import { NoSuchSchema } from '../../../shared/api/schemas.js';", file, barrel, names)).toThrow(/NoSuchSchema is not exported/);
  });

  it('sets zod jitless before a function builds any schema: its entry imports the setting first', async () => {
    for (const file of ['functions/entry.ts', 'functions/index.ts']) {
      const firstImport = /^import .*$/m.exec(await readFile(path.join(ROOT, file), 'utf8'))?.[0];
      expect(firstImport, file).toBe("import '../shared/zod-jitless.js';");
    }
    const { z } = await import('zod');
    await import('../../shared/zod-jitless.js');
    expect(z.config().jitless).toBe(true);
  });
});
