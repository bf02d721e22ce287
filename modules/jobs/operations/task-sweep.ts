import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { JobSweepBody, JobSweepResult } from '../../../shared/api/schemas.js';
import { sweepJobs } from '../services/sweep.js';

/**
 * Cloud Scheduler target (every 10 minutes; the dev stack calls it once at start with tasksLost):
 * job items left without a task get a new one, and open jobs nothing would finish are checked.
 */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof JobSweepBody>, z.infer<typeof JobSweepResult>> =
  (deps) =>
  async ({ body, log }) => ({ body: await sweepJobs(deps)({ tasksLost: body?.tasksLost === true }, log) });
export default operation;
