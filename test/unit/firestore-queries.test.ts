/**
 * Issue 14: collection-group queries need a collection-group index (composite, or a single-field
 * override) in production — the emulator never asks for one. Every collectionGroup(...) query in the
 * code is listed below with its fields; the scan fails on one that is not listed (or whose inline
 * filters differ), and each listed query must be served by an index of firestore.indexes.json
 * (which terraform/firestore.tf deploys: indexes and fieldOverrides).
 */
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';

interface Query {
  file: string;
  group: string;
  /** Fields compared with == or in. */
  equal: string[];
  /** The one field compared with <, >, … or ordered by (at most one, as Firestore requires). */
  range?: string;
}

const queries: Query[] = [
  // The job sweeper: stale queued items, items past their lease, open jobs nothing touched.
  { file: 'modules/jobs/repository/sweep.ts', group: 'items', equal: ['state'], range: 'updatedAt' },
  { file: 'modules/jobs/repository/sweep.ts', group: 'items', equal: ['state'], range: 'leaseUntil' },
  { file: 'modules/jobs/repository/sweep.ts', group: 'jobs', equal: ['status'], range: 'updatedAt' },
  // Reconciliation: every tenant's provider accounts; open findings and held numbers of the platform account.
  { file: 'modules/accounts/repository.ts', group: 'providerAccounts', equal: [] },
  // Adding an account: another tenant's account of the same key, added before the owner index.
  { file: 'modules/accounts/repository.ts', group: 'providerAccounts', equal: ['accountKey'] },
  { file: 'modules/operations/repository/findings.ts', group: 'reconciliationFindings', equal: ['accountId', 'provider', 'status'] },
  { file: 'modules/numbers/repository/queries.ts', group: 'numbers', equal: ['accountId', 'provider', 'status'] },
  // Toll-free reconciliation: every tenant's reserved and active toll-free numbers; the open toll-free findings.
  { file: 'modules/tollfree/repository/numbers.ts', group: 'tollfreeNumbers', equal: ['status'] },
  { file: 'modules/operations/repository/findings.ts', group: 'reconciliationFindings', equal: ['provider', 'status'] },
  // The inbound relay's fallback for numbers held since before the owner index.
  { file: 'modules/inbound/repository.ts', group: 'numbers', equal: ['phoneNumber', 'provider'] },
  // The Telnyx order webhook: the numbers of an order.
  { file: 'modules/requirements/repository.ts', group: 'numbers', equal: ['orderId'] },
];

async function sourceFiles(dir: URL, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await sourceFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`)));
    else if (entry.name.endsWith('.ts')) out.push(`${prefix}${entry.name}`);
  }
  return out;
}

/** `.where('f', op, …)`, `.orderBy('f'…)` calls chained right after `start` (balanced parentheses). */
function chainAfter(code: string, start: number): { method: string; field: string; op?: string }[] {
  const calls: { method: string; field: string; op?: string }[] = [];
  let i = start;
  for (;;) {
    const m = /^\s*\.(\w+)\(/.exec(code.slice(i));
    if (!m) return calls;
    let depth = 1;
    let j = i + m[0].length;
    for (; j < code.length && depth > 0; j++) {
      if (code[j] === '(') depth++;
      else if (code[j] === ')') depth--;
    }
    const args = code.slice(i + m[0].length, j - 1);
    const field = /^\s*'([\w.]+)'/.exec(args)?.[1];
    const op = /^\s*'[\w.]+'\s*,\s*'([^']+)'/.exec(args)?.[1];
    if ((m[1] === 'where' || m[1] === 'orderBy') && field) calls.push({ method: m[1], field, ...(op ? { op } : {}) });
    i = j;
  }
}

/** Every collectionGroup(...) use in shared/, modules/ and functions/, with the filters chained inline (directly or on the variable it is kept in). */
async function scan(): Promise<{ file: string; group: string; fields: string[] }[]> {
  const root = new URL('../../', import.meta.url);
  const files = [...(await sourceFiles(new URL('shared/', root), 'shared/')), ...(await sourceFiles(new URL('modules/', root), 'modules/')), ...(await sourceFiles(new URL('functions/', root), 'functions/'))];
  const found: { file: string; group: string; fields: string[] }[] = [];
  for (const file of files) {
    const code = (await readFile(new URL(file, root), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, (c) => ' '.repeat(c.length));
    for (const m of code.matchAll(/collectionGroup\(\s*'(\w+)'\s*\)/g)) {
      const direct = chainAfter(code, m.index + m[0].length);
      const variable = /(?:const|let)\s+(\w+)\s*=\s*[\w.]*$/.exec(code.slice(Math.max(0, m.index - 80), m.index))?.[1];
      const chains = direct.length || !variable ? [direct] : [...code.matchAll(new RegExp(`\\b${variable}\\.(?=where|orderBy)`, 'g'))].map((v) => chainAfter(code, v.index + variable.length));
      for (const chain of chains) found.push({ file, group: m[1]!, fields: [...new Set(chain.map((c) => c.field))] });
    }
  }
  return found;
}

interface Index {
  collectionGroup: string;
  queryScope: 'COLLECTION' | 'COLLECTION_GROUP';
  fields: { fieldPath: string }[];
}
interface Override {
  collectionGroup: string;
  fieldPath: string;
  indexes: { queryScope?: string; order?: string }[];
}

/** Whether an index serves the query at collection-group scope: equality fields first (any order), then the range field. */
function served(query: Query, indexes: Index[], overrides: Override[]): boolean {
  if (!query.equal.length && !query.range) return true; // no filter: the built-in document-name index
  const composite = indexes.some((index) => {
    if (index.collectionGroup !== query.group || index.queryScope !== 'COLLECTION_GROUP') return false;
    const fields = index.fields.map((f) => f.fieldPath);
    const head = fields.slice(0, query.equal.length);
    return [...head].sort().join() === [...query.equal].sort().join() && (query.range ? fields[query.equal.length] === query.range : true);
  });
  const single = [...query.equal, ...(query.range ? [query.range] : [])];
  const overridden =
    single.length === 1 && overrides.some((o) => o.collectionGroup === query.group && o.fieldPath === single[0] && o.indexes.some((i) => i.queryScope === 'COLLECTION_GROUP' && i.order));
  return composite || overridden;
}

describe('collection-group queries (issue 14)', () => {
  it('lists every collectionGroup query of the code, with the fields it filters on', async () => {
    const found = await scan();
    for (const use of found) {
      const listed = queries.filter((q) => q.file === use.file && q.group === use.group);
      expect(listed.length, `${use.file}: collectionGroup('${use.group}') is not listed in this test`).toBeGreaterThan(0);
      // The filters chained inline are those of a listed query (more may be added further on: a helper, a later .where).
      const covering = listed.filter((q) => use.fields.every((f) => [...q.equal, q.range].includes(f)));
      expect(covering.length, `${use.file}: collectionGroup('${use.group}') filters on ${use.fields.join(', ')}, which no listed query has`).toBeGreaterThan(0);
    }
    for (const q of queries) expect(found.some((f) => f.file === q.file && f.group === q.group), `${q.file}: no collectionGroup('${q.group}') any more`).toBe(true);
  });

  it('has a collection-group index (or single-field override) for each of them in firestore.indexes.json', async () => {
    const config = JSON.parse(await readFile(new URL('../../firestore.indexes.json', import.meta.url), 'utf8')) as { indexes: Index[]; fieldOverrides: Override[] };
    for (const q of queries) {
      expect(served(q, config.indexes, config.fieldOverrides), `${q.file}: ${q.group} where ${[...q.equal, q.range].filter(Boolean).join(', ')}`).toBe(true);
    }
    // The relay's fallback had none (a production-only failure: the emulator needs no index).
    expect(served({ file: '', group: 'numbers', equal: ['phoneNumber', 'provider'] }, config.indexes, [])).toBe(true);
    expect(served({ file: '', group: 'numbers', equal: ['phoneNumber', 'provider'] }, [], config.fieldOverrides)).toBe(false);
  });
});
