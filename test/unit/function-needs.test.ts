/**
 * Issue 14: each function's service account gets the roles of its row's `needs` (shared/api/iam.ts).
 * Every row states its needs, and none states a need its code cannot reach: for each row, the modules
 * its operation imports (statically or lazily, through services, not through shared/deps.ts, which
 * wires everything) are searched for the calls each need stands for. A module reached is not a call
 * made, so this bounds needs from above only; which calls a function really makes is decided row by
 * row in functions/endpoints.ts.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endpoints, eventFunctions } from '../../functions/endpoints.js';
import { allNeeds, type Need } from '../../shared/api/iam.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stripComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

/** The calls each need stands for (and where they are not that need). */
const calls: Record<Need, { pattern: RegExp; except?: string[] }> = {
  'secrets:read-provider': { pattern: /\bproviders\.(forAccount|forTenant|credentials)\(|secrets\.access\(platformSecretName/ },
  // Reads of secrets other than the platform's provider accounts (the provider registry) and Somos'.
  'secrets:read-tenant': {
    pattern: /\bsecrets\.access\(/,
    except: ['shared/providers/registry.ts', 'shared/providers/somos/token-manager.ts', 'modules/tollfree/services/platform.ts', 'modules/operations/services/reconciliation/reconcile.ts'],
  },
  // The Somos token manager's writes are the token state's (need `somos`).
  'secrets:write-tenant': { pattern: /\bsecrets\.(put|delete)\(/, except: ['shared/providers/somos/token-manager.ts'] },
  somos: { pattern: /\.somos\(\)/ },
  'secrets:somos-notification': { pattern: /\bSOMOS_NOTIFICATION_SECRET\b/, except: ['shared/config.ts'] },
  'tasks:enqueue': { pattern: /\btasks\.enqueue\(/ },
  'pubsub:publish': { pattern: /\bpublisher\.publish\(/ },
};

function imports(file: string): string[] {
  const code = stripComments(readFileSync(file, 'utf8'));
  const specifiers = [
    ...[...code.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+['"](\.[^'"]+)['"]/gm)].filter((m) => !m[1]).map((m) => m[2]!),
    ...[...code.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
    ...[...code.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm)].map((m) => m[1]!),
  ];
  return specifiers.map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts')).filter((f) => existsSync(f));
}

function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    // The wiring of every port: reaching it says nothing about what a function calls. The endpoint
    // table (imported by the OpenAPI operation for the document) says nothing either.
    if (file.endsWith('shared/deps.ts') || file.endsWith('functions/endpoints.ts')) continue;
    todo.push(...imports(file));
  }
  return [...seen].map((f) => path.relative(root, f));
}

const operationFile = (operation: () => unknown) => {
  // `() => import('./numbers/list.js')`, or as vitest rewrote it: `__vite_ssr_dynamic_import__("/modules/numbers/operations/list.ts")`.
  const specifier = /import(?:__)?\(\s*['"]([^'"]+)['"]/.exec(String(operation))?.[1];
  if (!specifier) throw new Error(`cannot read the operation module of ${String(operation)}`);
  const file = specifier.startsWith('/') ? path.join(root, specifier) : path.resolve(root, 'functions', specifier);
  return file.replace(/\.js$/, '.ts');
};

describe('needs of the endpoint table (issue 14)', () => {
  const rows = [...endpoints, ...eventFunctions];

  it('every row states its needs, from the vocabulary, each once', () => {
    for (const row of rows) {
      expect(Array.isArray(row.needs), `${row.name}: needs (what its function may do besides Firestore, shared/api/iam.ts; [] for none)`).toBe(true);
      for (const need of row.needs!) expect(allNeeds, row.name).toContain(need);
      expect(new Set(row.needs).size, row.name).toBe(row.needs!.length);
    }
  });

  it('no row needs what its code cannot reach', () => {
    for (const row of rows) {
      const files = reachable(operationFile(row.operation));
      for (const need of row.needs ?? []) {
        const { pattern, except = [] } = calls[need];
        const where = files.filter((f) => !except.includes(f) && pattern.test(stripComments(readFileSync(path.join(root, f), 'utf8'))));
        expect(where.length, `${row.name} needs ${need}, but nothing its operation imports calls ${pattern}`).toBeGreaterThan(0);
      }
    }
  });

  it('rows that only read Firestore need nothing else', () => {
    const firestoreOnly = ['numbersList', 'numbersGet', 'numbersCheck', 'jobsList', 'jobsGet', 'jobsItems', 'deliveriesList', 'auditList', 'locationsList', 'reconciliationFindings', 'openapi'];
    for (const name of firestoreOnly) {
      const row = rows.find((r) => r.name === name);
      if (row) expect(row.needs, name).toEqual([]);
    }
  });
});
