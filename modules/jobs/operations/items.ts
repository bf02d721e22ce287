import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobId, JobItemsPage, JobItemsQuery } from '../../../shared/api/schemas.js';
import type { JobItemRecord } from '../../../shared/domain/job.js';
import { notFound } from '../../../shared/http/errors.js';

/** A job's items in order, optionally by state (e.g. ?state=failed to see what to retry). */
const operation: OperationFactory<z.infer<typeof JobId>, z.infer<typeof JobItemsQuery>, undefined, z.infer<typeof JobItemsPage>> =
  (deps) =>
  async ({ params, query, caller }) => {
    const db = await deps.db();
    const job = db.doc(`tenants/${caller.tenantId}/jobs/${params.id}`);
    if (!(await job.get()).exists) throw notFound('Job');
    let q: FirebaseFirestore.Query = job.collection('items');
    if (query.state) q = q.where('state', '==', query.state);
    q = q.orderBy('index');
    if (query.cursor) q = q.startAfter(Number(query.cursor));
    const snap = await q.limit(query.limit + 1).get();
    const items = snap.docs.slice(0, query.limit).map((d) => {
      const { tenantId: _t, jobId: _j, leaseUntil: _l, ...rest } = d.data() as JobItemRecord;
      return rest;
    });
    return { body: { data: items, ...(snap.docs.length > query.limit ? { nextCursor: String(items.at(-1)!.index) } : {}) } };
  };
export default operation;
