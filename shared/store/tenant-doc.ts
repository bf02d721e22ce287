import type { DocumentSnapshot, Firestore } from '@google-cloud/firestore';
import { currentScope, type RequestScope } from '../trace.js';
import { paths } from './firestore.js';

/**
 * A tenant's document (tenants/{id}: its limits and settings), read once per request outside
 * transactions. The edge reads it for the caller's rate limit (shared/http/handler.ts); an operation
 * that reads the tenant's settings (its account policy, its toll-free settings) then gets the same
 * snapshot, not a second round trip. A transaction reads the document itself, as before; a change
 * written through a store forgets the request's copy (forgetTenantDoc). Outside a request (scripts,
 * tests without a scope) every call reads.
 */
const reads = new WeakMap<RequestScope, Map<string, Promise<DocumentSnapshot>>>();

export function readTenantDoc(db: Firestore, tenantId: string): Promise<DocumentSnapshot> {
  const scope = currentScope();
  if (!scope) return db.doc(paths.tenant(tenantId)).get();
  let ofRequest = reads.get(scope);
  if (!ofRequest) reads.set(scope, (ofRequest = new Map<string, Promise<DocumentSnapshot>>()));
  const known = ofRequest.get(tenantId);
  if (known) return known;
  const read = db.doc(paths.tenant(tenantId)).get();
  ofRequest.set(tenantId, read);
  // A read that failed is not kept: the next caller reads again (and sees its own failure).
  const kept = ofRequest;
  read.catch(() => {
    if (kept.get(tenantId) === read) kept.delete(tenantId);
  });
  return read;
}

/** After a write to tenants/{id} in this request: its next read is a fresh one. */
export function forgetTenantDoc(tenantId: string): void {
  const scope = currentScope();
  if (scope) reads.get(scope)?.delete(tenantId);
}
