import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobId, JobResource } from '../../../shared/api/schemas.js';
import { notFound } from '../../../shared/http/errors.js';
import { jobOf } from '../services/job-model.js';
import { jobView } from '../services/jobs.js';

const operation: OperationFactory<z.infer<typeof JobId>, Record<string, never>, undefined, z.infer<typeof JobResource>> =
  (deps) =>
  async ({ params, caller }) => {
    const db = await deps.db();
    const job = jobOf(await db.doc(`tenants/${caller.tenantId}/jobs/${params.id}`).get());
    if (!job) throw notFound('Job');
    return { body: await jobView(db, job, deps.now()) };
  };
export default operation;
