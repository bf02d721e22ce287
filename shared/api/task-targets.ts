import type { Config } from '../config.js';

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
