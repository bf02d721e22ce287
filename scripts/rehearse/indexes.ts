/**
 * Which index a Firestore query needs, checked against the indexes Terraform deploys (the Firestore
 * emulator serves every query without one; production answers FAILED_PRECONDITION "The query
 * requires an index").
 *
 * The rules, as Firestore documents them:
 * - one field (a filter and/or an order on it, plus __name__) in a collection query: the automatic
 *   single-field index; in a collection-group query: a single-field index of COLLECTION_GROUP scope,
 *   which is never automatic (google_firestore_field index_config);
 * - equality filters only (==, in, array-contains, is-null), no order: merged single-field indexes;
 * - anything else: a composite index whose fields are the equality fields (any order, arrays as
 *   CONTAINS) followed by the order fields in order and direction (inequality fields are ordered
 *   first, ascending, when the query does not order them itself); or, for equality filters with
 *   orders, several composites each ending in the same orders that together cover the equalities
 *   (index merging).
 */
import type { RenderedIndex } from './render.js';

export interface QueryShape {
  collection: string;
  scope: 'COLLECTION' | 'COLLECTION_GROUP';
  equality: { field: string; contains: boolean }[];
  inequality: string[];
  orders: { field: string; direction: 'ASCENDING' | 'DESCENDING' }[];
}

/** A runQuery request as the client sent it (REST JSON, or the proto's field names): read as it comes. */
type Json = Record<string, unknown>;

const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null ? (v as Json) : undefined);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A string, or a number's or boolean's text (an enum may come as its number); '' for anything else. */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

const unquote = (path: string) => path.split('.').map((p) => p.replace(/^`(.*)`$/, '$1')).join('.');
const fieldPath = (f: unknown): string => {
  const ref = asObject(f);
  return unquote(text(ref?.fieldPath ?? ref?.field_path));
};
const opName = (op: unknown): string => text(op).toUpperCase();

/** The shapes of a runQuery / runAggregationQuery request (one per OR branch). */
export function queryShapes(request: Json): QueryShape[] {
  const query = asObject(request.structuredQuery ?? asObject(request.structuredAggregationQuery)?.structuredQuery);
  if (!query) return [];
  const from = asObject(asList(query.from)[0]) ?? {};
  const collection = text(from.collectionId);
  const scope = from.allDescendants ? 'COLLECTION_GROUP' : 'COLLECTION';
  const branches = disjuncts(query.where);
  const explicitOrders = asList(query.orderBy)
    .map((order) => asObject(order) ?? {})
    .map((o): QueryShape['orders'][number] => ({ field: fieldPath(o.field), direction: opName(o.direction) === 'DESCENDING' || o.direction === 2 ? 'DESCENDING' : 'ASCENDING' }))
    .filter((o) => o.field && o.field !== '__name__');
  return branches.map((filters) => {
    const equality: QueryShape['equality'] = [];
    const inequality = new Set<string>();
    for (const filter of filters) {
      if (filter.kind === 'eq') {
        if (!equality.some((e) => e.field === filter.field)) equality.push({ field: filter.field, contains: false });
      } else if (filter.kind === 'contains') {
        const found = equality.find((e) => e.field === filter.field);
        if (found) found.contains = true;
        else equality.push({ field: filter.field, contains: true });
      } else inequality.add(filter.field);
    }
    const orders = [...explicitOrders];
    const unordered = [...inequality].filter((f) => !orders.some((o) => o.field === f)).sort();
    orders.unshift(...unordered.map((field) => ({ field, direction: 'ASCENDING' as const })));
    const eqFields = new Set(equality.map((e) => e.field));
    return { collection, scope, equality, inequality: [...inequality], orders: orders.filter((o) => !eqFields.has(o.field) || inequality.has(o.field)) };
  });
}

type Filter = { kind: 'eq' | 'contains' | 'ineq'; field: string };

function disjuncts(value: unknown): Filter[][] {
  const where = asObject(value);
  if (!where) return [[]];
  const composite = asObject(where.compositeFilter);
  if (composite) {
    const parts = asList(composite.filters).map(disjuncts);
    if (opName(composite.op) === 'OR') return parts.flat();
    // AND: the cross product of the parts' branches.
    return parts.reduce<Filter[][]>((acc, branches) => acc.flatMap((a) => branches.map((b) => [...a, ...b])), [[]]);
  }
  const fieldFilter = asObject(where.fieldFilter);
  if (fieldFilter) {
    const op = opName(fieldFilter.op);
    const field = fieldPath(fieldFilter.field);
    if (op === 'EQUAL' || op === 'IN') return [[{ kind: 'eq', field }]];
    if (op === 'ARRAY_CONTAINS' || op === 'ARRAY_CONTAINS_ANY') return [[{ kind: 'contains', field }]];
    return [[{ kind: 'ineq', field }]];
  }
  const unaryFilter = asObject(where.unaryFilter);
  if (unaryFilter) {
    const op = opName(unaryFilter.op);
    const field = fieldPath(unaryFilter.field);
    return [[{ kind: op === 'IS_NULL' || op === 'IS_NAN' ? 'eq' : 'ineq', field }]];
  }
  return [[]];
}

export interface IndexVerdict {
  ok: boolean;
  /** Why no index is needed, or which one is used. */
  reason: string;
  /** The index the query needs (firestore.indexes.json shape), when none is deployed. */
  needed?: { collectionGroup: string; queryScope: string; fields: { fieldPath: string; order?: string; arrayConfig?: string }[] };
}

const indexFields = (index: RenderedIndex) => index.fields.filter((f, i) => !(f.fieldPath === '__name__' && i === index.fields.length - 1));

export function checkQuery(shape: QueryShape, deployed: readonly RenderedIndex[]): IndexVerdict {
  const fields = new Set([...shape.equality.map((e) => e.field), ...shape.orders.map((o) => o.field)]);
  const candidates = deployed.filter((i) => i.collectionGroup === shape.collection && i.queryScope === shape.scope);
  const needed = {
    collectionGroup: shape.collection,
    queryScope: shape.scope,
    fields: [
      ...shape.equality.map((e) => (e.contains ? { fieldPath: e.field, arrayConfig: 'CONTAINS' } : { fieldPath: e.field, order: 'ASCENDING' })),
      ...shape.orders.map((o) => ({ fieldPath: o.field, order: o.direction })),
    ],
  };
  if (fields.size === 0) return { ok: true, reason: 'no filter or order' };
  if (fields.size === 1) {
    if (shape.scope === 'COLLECTION') return { ok: true, reason: 'automatic single-field index' };
    const [field] = [...fields];
    const contains = shape.equality.some((e) => e.contains);
    const single = candidates.find((i) => {
      const f = indexFields(i);
      return f.length === 1 && f[0]!.fieldPath === field && (contains ? f[0]!.arrayConfig === 'CONTAINS' : !!f[0]!.order);
    });
    return single
      ? { ok: true, reason: `single-field COLLECTION_GROUP index (${single.address})` }
      : { ok: false, reason: `a collection-group query on ${field} needs a single-field index of COLLECTION_GROUP scope (never automatic)`, needed };
  }
  if (shape.orders.length === 0 && shape.scope === 'COLLECTION') return { ok: true, reason: 'equality filters only: merged single-field indexes' };

  const eqCount = shape.equality.length;
  const matches = (index: RenderedIndex, eqSubset: QueryShape['equality']): boolean => {
    const f = indexFields(index);
    if (f.length !== eqSubset.length + shape.orders.length) return false;
    const prefix = f.slice(0, eqSubset.length);
    for (const e of eqSubset) {
      const at = prefix.find((p) => p.fieldPath === e.field);
      if (!at || (e.contains ? at.arrayConfig !== 'CONTAINS' : !at.order)) return false;
    }
    return shape.orders.every((o, i) => f[eqSubset.length + i]!.fieldPath === o.field && f[eqSubset.length + i]!.order === o.direction);
  };
  const exact = candidates.find((i) => matches(i, shape.equality));
  if (exact) return { ok: true, reason: `composite index ${exact.address}` };
  // Index merging: composites that each end in the orders, whose equality prefixes cover the query's.
  if (eqCount > 1 && shape.orders.length > 0) {
    const covered = new Set<string>();
    for (const index of candidates) {
      const f = indexFields(index);
      const prefixLength = f.length - shape.orders.length;
      if (prefixLength < 1) continue;
      const subset = shape.equality.filter((e) => f.slice(0, prefixLength).some((p) => p.fieldPath === e.field));
      if (subset.length === prefixLength && matches(index, subset)) for (const e of subset) covered.add(e.field);
    }
    if (shape.equality.every((e) => covered.has(e.field))) return { ok: true, reason: 'merged composite indexes' };
  }
  return { ok: false, reason: 'no deployed composite index serves it', needed };
}

export function describeShape(shape: QueryShape): string {
  const parts = [
    ...shape.equality.map((e) => `${e.field} ${e.contains ? 'array-contains' : '=='} …`),
    ...shape.inequality.map((f) => `${f} <range> …`),
  ];
  const order = shape.orders.map((o) => `${o.field} ${o.direction === 'DESCENDING' ? 'desc' : 'asc'}`).join(', ');
  return `${shape.scope === 'COLLECTION_GROUP' ? 'collection group' : 'collection'} ${shape.collection}${parts.length ? ` where ${parts.join(' and ')}` : ''}${order ? ` order by ${order}` : ''}`;
}

export function describeIndex(needed: NonNullable<IndexVerdict['needed']>): string {
  return `${needed.collectionGroup} (${needed.queryScope}): [${needed.fields.map((f) => `${f.fieldPath} ${f.arrayConfig ?? f.order}`).join(', ')}]`;
}
