import { randomBytes } from 'node:crypto';
import type { Firestore, Transaction, WriteBatch } from '@google-cloud/firestore';
import { redact } from '../log.js';
import type { Caller } from '../auth/verify-token.js';

/** Who did it and in which request; passed to every store method that mutates. */
export interface AuditContext {
  /** `onBehalfOf`: the uid of the user a system actor acts for (a bulk job's items: the job's creator). */
  actor: { type: 'user'; uid: string; role: Caller['role'] } | { type: 'system'; name: string; onBehalfOf?: string };
  requestId: string;
}

export interface AuditRecord {
  id: string;
  tenantId: string;
  at: string;
  actor: AuditContext['actor'];
  requestId: string;
  action: string;
  /** e.g. numbers/num_…, locations/loc_…, provider-accounts/acc_… */
  resource: string;
  /** The part before the slash, for listing one kind of resource. */
  resourceType: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export const userContext = (caller: Caller, requestId: string): AuditContext => ({
  actor: { type: 'user', uid: caller.uid, role: caller.role },
  requestId,
});
export const systemContext = (name: string, requestId: string): AuditContext => ({ actor: { type: 'system', name }, requestId });
/** A bulk-job item's changes: done by the job (bulk-job:{jobId}, request {jobId}/{itemId}) for the user who created it. */
export const jobItemContext = (job: { id: string; createdBy: string }, itemId: string): AuditContext => ({
  actor: { type: 'system', name: `bulk-job:${job.id}`, onBehalfOf: job.createdBy },
  requestId: `${job.id}/${itemId}`,
});

/** Sortable ids (time first) so the audit trail lists newest-first by id alone. */
export const newAuditId = (now: Date) =>
  `${(8_640_000_000_000_000 - now.getTime()).toString(36).padStart(11, '0')}_${randomBytes(5).toString('hex')}`;

/**
 * Adds the audit record to the same transaction or batch as the change it describes,
 * so there is never a change without its record (or a record without its change).
 * Snapshots go through the log redactor: no credential can land in the trail.
 */
export function recordAudit(
  db: Firestore,
  writer: Transaction | WriteBatch,
  tenantId: string,
  context: AuditContext,
  entry: { action: string; resource: string; before?: object | null; after?: object | null },
  now = new Date(),
): void {
  const id = newAuditId(now);
  const record: AuditRecord = {
    id,
    tenantId,
    at: now.toISOString(),
    actor: context.actor,
    requestId: context.requestId,
    action: entry.action,
    resource: entry.resource,
    resourceType: entry.resource.split('/')[0]!,
    before: entry.before ? (redact(strip(entry.before)) as Record<string, unknown>) : null,
    after: entry.after ? (redact(strip(entry.after)) as Record<string, unknown>) : null,
  };
  (writer as Transaction).set(db.doc(`tenants/${tenantId}/audit/${id}`), record);
}

/** Internal bookkeeping that says nothing about the change itself. */
function strip(snapshot: object): object {
  const { searchTokens: _tokens, ...rest } = snapshot as Record<string, unknown>;
  return rest;
}
