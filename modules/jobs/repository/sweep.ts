/** The jobs repository's sweeper queries: stale items and open jobs across tenants (collection-group queries, oldest first, bounded). */
import type { DocumentReference, Query, QueryDocumentSnapshot } from '@google-cloud/firestore';
import type { JobRecord } from '../../../shared/domain/job.js';
import { readEachStored } from '../../../shared/store/tenant-collection.js';
import { storedItem, type Db, type StoredItem } from './items.js';
import { jobOf } from './jobs.js';

const PAGE_SIZE = 300;

/** tenants/{t}/jobs/{j}/items/{i} (a collection group query sees every `items` collection). */
const isJobItem = (doc: QueryDocumentSnapshot) => doc.ref.parent.parent?.parent.id === 'jobs' && doc.ref.parent.parent.parent.parent?.parent.id === 'tenants';

/** Items of one job found by a sweep, with their job (undefined when it does not exist). */
export interface SweptJob {
  job: JobRecord | undefined;
  items: StoredItem[];
}

export function sweepStore(db: Db) {
  /** Pages of a query (oldest first), up to `max` documents; each page's job items grouped by job. */
  async function pages(query: Query, max: number, handle: (groups: SweptJob[]) => Promise<void>): Promise<void> {
    let seen = 0;
    let last: QueryDocumentSnapshot | undefined;
    while (seen < max) {
      const page = await (last ? query.startAfter(last) : query).limit(Math.min(PAGE_SIZE, max - seen)).get();
      if (page.empty) return;
      seen += page.size;
      last = page.docs.at(-1);
      await handle(await byJob(page.docs.filter(isJobItem)));
      if (page.size < PAGE_SIZE) return;
    }
  }

  async function byJob(docs: QueryDocumentSnapshot[]): Promise<SweptJob[]> {
    const groups = new Map<string, { ref: DocumentReference; items: StoredItem[] }>();
    // An item that does not match its schema is left out (logged): it must not stop the sweep of every other tenant's items.
    for (const stored of readEachStored(docs, storedItem)) {
      const jobRef = stored.snapshot.ref.parent.parent!;
      const group = groups.get(jobRef.path) ?? { ref: jobRef, items: [] };
      group.items.push(stored);
      groups.set(jobRef.path, group);
    }
    if (groups.size === 0) return [];
    const jobs = await (await db()).getAll(...[...groups.values()].map((g) => g.ref));
    return jobs.map((snap) => ({ job: jobOf(snap), items: groups.get(snap.ref.path)!.items }));
  }

  return {
    /** `queued` items not changed since `before`, oldest first. */
    async queuedBefore(before: string, max: number, handle: (groups: SweptJob[]) => Promise<void>): Promise<void> {
      const query = (await db()).collectionGroup('items').where('state', '==', 'queued').where('updatedAt', '<', before).orderBy('updatedAt');
      await pages(query, max, handle);
    },

    /** `running` items whose lease ended before `before`, oldest first. */
    async leasedBefore(before: string, max: number, handle: (groups: SweptJob[]) => Promise<void>): Promise<void> {
      const query = (await db()).collectionGroup('items').where('state', '==', 'running').where('leaseUntil', '<', before).orderBy('leaseUntil');
      await pages(query, max, handle);
    },

    /** Whether any item of the job changed at or after `since` (one index entry). */
    async movedSince(job: JobRecord, since: string): Promise<boolean> {
      const latest = await (await db())
        .collection(`tenants/${job.tenantId}/jobs/${job.id}/items`)
        .orderBy('updatedAt', 'desc')
        .select('updatedAt')
        .limit(1)
        .get();
      const at: unknown = latest.docs[0]?.get('updatedAt');
      return typeof at === 'string' && at >= since;
    },

    /** Open jobs (queued or running) untouched since `before`, oldest first. */
    async openJobsBefore(before: string, max: number): Promise<JobRecord[]> {
      const snap = await (await db())
        .collectionGroup('jobs')
        .where('status', 'in', ['queued', 'running'])
        .where('updatedAt', '<', before)
        .orderBy('updatedAt')
        .limit(max)
        .get();
      return snap.docs.filter((doc) => doc.ref.parent.parent?.parent.id === 'tenants').map((doc) => jobOf(doc)!);
    },
  };
}
