/**
 * The jobs module's repository: the only code of the module touching Firestore. Jobs
 * (`tenants/{t}/jobs/{id}`), their expansion (`…/expansion/numbers`), callback attempts, the
 * transactions the workflows run over them (with the tenant's limits and usage), and item counts.
 * Items are in items.ts, the sweeper's queries in sweep.ts. Every read goes through a schema.
 */
import type { DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import { z } from 'zod';
import { itemStates, jobDocPath, parseJob, type ItemState, type JobItemRecord, type JobRecord } from '../../../shared/domain/job.js';
import { changeUsage, limitsFrom, limitsRef, readUsage, usageFrom, usageRef, type TenantLimits, type Usage } from '../../../shared/domain/limits.js';
import { recordAudit, type AuditContext } from '../../../shared/domain/audit.js';
import { createTenantCollection, readStored } from '../../../shared/store/tenant-collection.js';
import type { ReadTime } from '../../../shared/store/page.js';
import { itemOf, itemsStore, itemRef, type Db, type ItemRef } from './items.js';

export type { Db, ItemRef };
export type { StoredItem } from './items.js';

/** A stored job, read through its schema (parseJob); undefined when there is none. */
export const jobOf = (snap: DocumentSnapshot): JobRecord | undefined =>
  snap.exists ? readStored(parseJob, snap.data(), { collection: 'jobs', id: snap.id }) : undefined;

/** The numbers a search job found, kept once (`…/expansion/numbers`). */
const StoredExpansion = z.looseObject({ numbers: z.array(z.string()), createdAt: z.string() });
const expansionOf = (snap: DocumentSnapshot): string[] | undefined =>
  snap.exists ? readStored((d) => StoredExpansion.parse(d), snap.data(), { collection: 'expansion', id: snap.id }).numbers : undefined;

const expansionPath = (tenantId: string, jobId: string) => `${jobDocPath(tenantId, jobId)}/expansion/numbers`;

/** A job as read, with what a write made only if it is unchanged since needs. */
export interface VersionedJob {
  readonly job: JobRecord;
  readonly snapshot: DocumentSnapshot;
}

/** What a workflow reads and writes inside one transaction (reads first, then writes, as Firestore requires). */
export interface JobsTransaction {
  job(tenantId: string, jobId: string): Promise<JobRecord | undefined>;
  item(ref: ItemRef): Promise<JobItemRecord | undefined>;
  /** The numbers a search job's expansion kept, if it has run. */
  expansion(tenantId: string, jobId: string): Promise<string[] | undefined>;
  /**
   * What a job's creation reads, in one round trip: the job if it exists already, and the tenant's
   * limits and (withUsage) its usage, read through their schemas only when asked (a replay is not).
   */
  creationReads(tenantId: string, jobId: string, defaults: TenantLimits, withUsage: boolean): Promise<{ job?: JobRecord; limits(): TenantLimits; usage(): Usage | undefined }>;
  usage(tenantId: string): Promise<Usage>;
  /** Numbers of the tenant whose release by this job took them out of usage. */
  uncountedByJob(tenantId: string, jobId: string): Promise<number>;
  createJob(job: JobRecord): void;
  updateJob(tenantId: string, jobId: string, change: Record<string, unknown>): void;
  updateItem(ref: ItemRef, change: Record<string, unknown>): void;
  createExpansion(tenantId: string, jobId: string, numbers: string[], at: string): void;
  changeUsage(tenantId: string, usage: Usage, change: { held?: number; purchased?: number }, now: Date): void;
}

function jobsTransaction(db: Firestore, tx: Transaction): JobsTransaction {
  return {
    job: async (tenantId, jobId) => jobOf(await tx.get(db.doc(jobDocPath(tenantId, jobId)))),
    item: async (ref) => itemOf(await tx.get(itemRef(db, ref))),
    expansion: async (tenantId, jobId) => expansionOf(await tx.get(db.doc(expansionPath(tenantId, jobId)))),
    creationReads: async (tenantId, jobId, defaults, withUsage) => {
      const [jobSnap, limitsSnap, usageSnap] = await tx.getAll(db.doc(jobDocPath(tenantId, jobId)), limitsRef(db, tenantId), ...(withUsage ? [usageRef(db, tenantId)] : []));
      const job = jobOf(jobSnap!);
      return { ...(job ? { job } : {}), limits: () => limitsFrom(limitsSnap!, defaults), usage: () => (usageSnap ? usageFrom(usageSnap) : undefined) };
    },
    usage: (tenantId) => readUsage(tx, db, tenantId),
    uncountedByJob: async (tenantId, jobId) => (await tx.get(db.collection(`tenants/${tenantId}/numbers`).where('uncountedByJob', '==', jobId).count())).data().count,
    createJob: (job) => void tx.create(db.doc(jobDocPath(job.tenantId, job.id)), job),
    updateJob: (tenantId, jobId, change) => void tx.update(db.doc(jobDocPath(tenantId, jobId)), change),
    updateItem: (ref, change) => void tx.update(itemRef(db, ref), change),
    createExpansion: (tenantId, jobId, numbers, at) => void tx.create(db.doc(expansionPath(tenantId, jobId)), { numbers, createdAt: at }),
    changeUsage: (tenantId, usage, change, now) => changeUsage(tx, db, tenantId, usage, change, now),
  };
}

const FAILED_PRECONDITION = 9;

/**
 * A job of at most this many items is counted by reading its items' states (one query), not by five
 * count queries: one round trip and one request instead of five, for a few reads more. A job found
 * to have more (its item count was a hint: a search job's grows when it runs) is counted per state.
 */
export const COUNTED_BY_READING = 25;

type Items = ReturnType<Firestore['collection']>;

/** Counts per state: by reading the items of a job expected to be small, else one count query per state. */
async function countItems(tx: Transaction, items: Items, expectedItems: number | undefined): Promise<Record<ItemState, number>> {
  const small = expectedItems !== undefined && expectedItems <= COUNTED_BY_READING;
  return (small ? await countsByReading(tx, items) : undefined) ?? countsByAggregation(tx, items);
}

async function countsByReading(tx: Transaction, items: Items): Promise<Record<ItemState, number> | undefined> {
  const read = await tx.get(items.select('state').limit(COUNTED_BY_READING + 1));
  if (read.size > COUNTED_BY_READING) return undefined;
  const counts = Object.fromEntries(itemStates.map((state) => [state, 0])) as Record<ItemState, number>;
  for (const doc of read.docs) {
    const state: unknown = doc.get('state');
    // As the count queries: an item in no known state is in none of the counts.
    if ((itemStates as readonly unknown[]).includes(state)) counts[state as ItemState]++;
  }
  return counts;
}

async function countsByAggregation(tx: Transaction, items: Items): Promise<Record<ItemState, number>> {
  const entries = await Promise.all(itemStates.map(async (state) => [state, (await tx.get(items.where('state', '==', state).count())).data().count] as const));
  return Object.fromEntries(entries) as Record<ItemState, number>;
}

/** The jobs module's repository over a database (`deps.db`). */
export function jobsRepository(db: Db) {
  const jobs = createTenantCollection<JobRecord>(db, { collection: 'jobs', idPrefix: 'job', resource: 'jobs', label: 'Job', parse: parseJob });
  const snapshotOf = async (tenantId: string, jobId: string) => {
    const snapshot = await (await db()).doc(jobDocPath(tenantId, jobId)).get();
    return { job: jobOf(snapshot), snapshot };
  };
  const countsSnapshot = async (tenantId: string, jobId: string, readAt: ReadTime | undefined, withJob: boolean, expectedItems: number | undefined) => {
    const firestore = await db();
    const items = firestore.collection(`${jobDocPath(tenantId, jobId)}/items`);
    return firestore.runTransaction(
      async (tx) => {
        const [job, counts] = await Promise.all([
          withJob ? tx.get(firestore.doc(jobDocPath(tenantId, jobId))).then(jobOf) : undefined,
          countItems(tx, items, expectedItems),
        ]);
        return { ...(job ? { job } : {}), counts };
      },
      readAt ? { readOnly: true, readTime: readAt } : { readOnly: true },
    );
  };
  return {
    ...itemsStore(db),

    async getJob(tenantId: string, jobId: string): Promise<JobRecord | undefined> {
      return (await snapshotOf(tenantId, jobId)).job;
    },

    /** The job, and when it was read (its counts read at that time agree with it). */
    async readJob(tenantId: string, jobId: string): Promise<{ job?: JobRecord; readAt?: ReadTime }> {
      const { job, snapshot } = await snapshotOf(tenantId, jobId);
      return { ...(job ? { job } : {}), ...(snapshot.readTime ? { readAt: snapshot.readTime } : {}) };
    },

    async getVersionedJob(tenantId: string, jobId: string): Promise<VersionedJob | undefined> {
      const { job, snapshot } = await snapshotOf(tenantId, jobId);
      return job ? { job, snapshot } : undefined;
    },

    /** Writes the change only if the job is as it was read: false when it changed since. */
    async updateJobIfUnchanged(read: VersionedJob, change: Record<string, unknown>): Promise<boolean> {
      return read.snapshot.ref
        .update(change, { lastUpdateTime: read.snapshot.updateTime! })
        .then(() => true)
        .catch((err: unknown) => {
          if ((err as { code?: number }).code !== FAILED_PRECONDITION) throw err;
          return false;
        });
    },

    async updateJob(tenantId: string, jobId: string, change: Record<string, unknown>): Promise<void> {
      await (await db()).doc(jobDocPath(tenantId, jobId)).update(change);
    },

    /** The tenant's jobs, newest first. */
    listJobs: (tenantId: string, limit: number, cursor?: string) => jobs.list(tenantId, limit, cursor),

    /** The numbers a search job's expansion kept, if it has run. */
    async expansion(tenantId: string, jobId: string): Promise<string[] | undefined> {
      return expansionOf(await (await db()).doc(expansionPath(tenantId, jobId)).get());
    },

    async addCallbackAttempt(tenantId: string, jobId: string, attempt: { attempt: number; at: string; status: number; outcome: string }): Promise<void> {
      await (await db()).collection(`${jobDocPath(tenantId, jobId)}/callbackAttempts`).add(attempt);
    },

    /** The audit entry of a signing-secret rotation (never the secret: its version's time only). */
    async auditSigningSecretRotation(tenantId: string, audit: AuditContext, rotatedAt: string): Promise<void> {
      const firestore = await db();
      const batch = firestore.batch();
      recordAudit(firestore, batch, tenantId, audit, { action: 'signing_secret.rotate', resource: 'tenant/signing-secret', after: { rotatedAt } });
      await batch.commit();
    },

    /** Runs `fn` in one transaction (run again by Firestore on contention). */
    async transaction<T>(fn: (tx: JobsTransaction) => Promise<T>): Promise<T> {
      const firestore = await db();
      return firestore.runTransaction((tx) => fn(jobsTransaction(firestore, tx)));
    },

    /**
     * Counts per item state, read in one snapshot (a read-only transaction) so they always add up: at
     * `readAt` when given (the five counts then go out together; otherwise the first begins the
     * transaction and the others wait for it). `expectedItems`, the job's item count when known: a
     * small job is counted by reading its items (COUNTED_BY_READING).
     */
    async itemCounts(tenantId: string, jobId: string, readAt?: ReadTime, expectedItems?: number): Promise<Record<ItemState, number>> {
      return (await countsSnapshot(tenantId, jobId, readAt, false, expectedItems)).counts;
    },

    /** itemCounts, and the job as it was in the same snapshot. */
    jobAndItemCounts: (tenantId: string, jobId: string, readAt?: ReadTime, expectedItems?: number) => countsSnapshot(tenantId, jobId, readAt, true, expectedItems),
  };
}

export type JobsRepository = ReturnType<typeof jobsRepository>;
