import { enqueueTask } from '../../../shared/api/task-targets.js';
import type { Deps } from '../../../shared/deps.js';

/**
 * Finished items ask for a completion check; checks are de-duplicated per job and time window,
 * so a 10,000-item job is counted a few dozen times, not 10,000 times. (Its own module: a toll-free
 * request's follow-up settles a job item too, without loading the jobs service.)
 */
export async function scheduleFinalizeCheck(deps: Pick<Deps, 'tasks' | 'config' | 'now'>, tenantId: string, jobId: string): Promise<void> {
  const windowMs = deps.config.JOB_FINALIZE_WINDOW_MS;
  const window = Math.floor(deps.now().getTime() / windowMs);
  await enqueueTask(deps, 'jobFinalize', { tenantId, jobId }, {
    scheduleAt: new Date((window + 1) * windowMs),
    id: `job-finalize-${tenantId}-${jobId}-${window}`,
  });
}
