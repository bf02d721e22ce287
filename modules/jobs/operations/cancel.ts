import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { JobId, JobResource } from '../../../shared/api/schemas.js';
import { cancelJob, jobView } from '../services/jobs.js';

/** Items not started yet become cancelled; items already running finish. */
const operation: OperationFactory<z.infer<typeof JobId>, Record<string, never>, undefined, z.infer<typeof JobResource>> =
  (deps) =>
  async ({ params, caller, log }) => {
    await cancelJob(deps)(caller.tenantId, params.id, log);
    const db = await deps.db();
    const job = (await db.doc(`tenants/${caller.tenantId}/jobs/${params.id}`).get()).data();
    return { body: await jobView(db, job as never, deps.now()) };
  };
export default operation;
