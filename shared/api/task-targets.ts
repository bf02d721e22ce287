import type { z } from 'zod';
import type { Config } from '../config.js';
import type { TaskQueue } from '../queue/task-queue.js';
// Type-only: a sender never loads a receiver's schema module (some of them load Somos).
import type { RelayDeliveryTask } from './schemas/inbound.js';
import type { JobCallbackTask, JobItemTask } from './schemas/jobs.js';
import type { PollRequirementGroupTask } from './schemas/requirements.js';
import type { ReconcileAccountTask, SettlePurchaseTask } from './schemas/tasks.js';
import type { SomosFollowupTask } from './schemas/tollfree.js';

/** Internal task endpoints: named here so services can address them without importing the endpoint table. */
export const taskEndpoints = {
  settlePurchase: { name: 'taskSettlePurchase', path: '/internal/tasks/settle-purchase', queue: 'followups' },
  /** Cloud Scheduler's target (same OIDC check as tasks). */
  reconcileStart: { name: 'scheduledReconcile', path: '/internal/scheduled/reconcile', queue: 'reconcile' },
  reconcileAccount: { name: 'taskReconcileAccount', path: '/internal/tasks/reconcile-account', queue: 'reconcile' },
  jobItem: { name: 'taskJobItem', path: '/internal/tasks/job-item', queue: 'provider-*' },
  relayDelivery: { name: 'taskRelayDelivery', path: '/internal/tasks/relay-delivery', queue: 'callbacks' },
  jobFinalize: { name: 'taskJobFinalize', path: '/internal/tasks/job-finalize', queue: 'job-checks' },
  jobCallback: { name: 'taskJobCallback', path: '/internal/tasks/job-callback', queue: 'callbacks' },
  /** Cloud Scheduler's target, every 10 minutes (and the dev stack's, once at start): job items that lost their task. */
  jobSweep: { name: 'scheduledJobSweep', path: '/internal/scheduled/job-sweep', queue: 'job-checks' },
  pollRequirementGroup: { name: 'taskPollRequirementGroup', path: '/internal/tasks/poll-requirement-group', queue: 'followups' },
  /** Somos: 202 results, text-enablement decisions and RespOrg changes (throttled with the other Somos calls). */
  somosFollowup: { name: 'taskSomosFollowup', path: '/internal/tasks/somos-followup', queue: 'provider-somos' },
  /** Cloud Scheduler's target, every 10 minutes: keeps the Somos token fresh. */
  somosTokenRefresh: { name: 'scheduledSomosTokenRefresh', path: '/internal/scheduled/somos-token-refresh', queue: 'provider-somos' },
} as const;

export type TaskEndpoint = (typeof taskEndpoints)[keyof typeof taskEndpoints];

/**
 * A task's contract: the body its receiver parses (its row's `body` schema, which
 * test/unit/task-contracts.test.ts checks) is the only body a sender can enqueue (enqueueTask).
 * The scheduled targets (reconcileStart, jobSweep, somosTokenRefresh) are Cloud Scheduler's, not enqueued.
 */
export interface TaskBodies {
  settlePurchase: z.input<typeof SettlePurchaseTask>;
  reconcileAccount: z.input<typeof ReconcileAccountTask>;
  jobItem: z.input<typeof JobItemTask>;
  relayDelivery: z.input<typeof RelayDeliveryTask>;
  jobFinalize: z.input<typeof JobCallbackTask>;
  jobCallback: z.input<typeof JobCallbackTask>;
  pollRequirementGroup: z.input<typeof PollRequirementGroupTask>;
  somosFollowup: z.input<typeof SomosFollowupTask>;
}

/** A task whose endpoint serves a family of queues (`provider-*`) must name its queue. */
type QueueOf<K extends keyof TaskBodies> = (typeof taskEndpoints)[K]['queue'] extends `${string}*` ? { queue: string } : { queue?: string };

/**
 * Enqueues a task for its endpoint, with the body its receiver parses. `id` names it (Cloud Tasks
 * deduplicates by name); `queue` overrides the endpoint's queue (a purchase follow-up handed to the
 * provider's queue) or, for a queue family, says which one.
 */
export function enqueueTask<K extends keyof TaskBodies>(
  deps: { tasks: TaskQueue; config: Config },
  task: K,
  body: TaskBodies[K],
  options: { id: string; scheduleAt?: Date } & QueueOf<K>,
): Promise<{ name: string; deduplicated: boolean }> {
  const endpoint: { name: string; path: string; queue: string } = taskEndpoints[task];
  return deps.tasks.enqueue({
    queue: options.queue ?? endpoint.queue,
    ...taskTarget(deps.config, endpoint),
    body,
    ...(options.scheduleAt ? { scheduleAt: options.scheduleAt } : {}),
    id: options.id,
  });
}

/**
 * Where a task is delivered and the OIDC audience it carries. Deployed, each function
 * has its own URL (FUNCTIONS_BASE_URL/name); locally the gateway routes by path.
 */
export function taskTarget(config: Config, endpoint: { name: string; path: string }): { url: string; audience: string } {
  if (config.FUNCTIONS_BASE_URL) {
    const url = `${config.FUNCTIONS_BASE_URL.replace(/\/$/, '')}/${endpoint.name}`;
    return { url, audience: url };
  }
  if (!config.PUBLIC_BASE_URL) throw new Error('FUNCTIONS_BASE_URL or PUBLIC_BASE_URL must be set to address tasks');
  const url = `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}${endpoint.path}`;
  return { url, audience: url };
}
