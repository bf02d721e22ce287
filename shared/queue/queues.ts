import type { QueueConfig } from './task-queue.js';

/**
 * Every Cloud Tasks queue the platform uses, with its rate limits and retry policy. The local
 * dispatcher and Terraform (through terraform/functions.json) are both built from this list.
 * Provider queues throttle bulk work to what each provider's API tolerates; override a rate with
 * QUEUE_RATE_<PROVIDER> (dispatches per second) to match your account's limit.
 */
const providerDefaults: Record<string, number> = {
  // Conservative defaults; providers publish account-specific limits rather than one number.
  twilio: 25,
  plivo: 10,
  vonage: 3,
  telnyx: 20,
  somos: 5,
  vapi: 10,
};

/**
 * A provider queue lets this many seconds of tasks run at once at its full rate (in flight = rate ×
 * duration). Tasks of a second or two keep the dispatch rate binding; more would be back-pressure
 * lost: while the account answers 429, every task in flight keeps calling it (each instance paces
 * only its own calls), so the cap bounds how far above the limit a 429 storm can go.
 */
export const PROVIDER_TASK_SECONDS = 2;

/** A provider's queue: bulk items, and every purchase follow-up that has to call the provider. */
export const providerQueue = (provider: string) => `provider-${provider}`;

export function queueDefinitions(env: Record<string, string | undefined> = process.env): Record<string, QueueConfig> {
  const queues: Record<string, QueueConfig> = {
    // Every purchase schedules one settle follow-up (due when its lease ends), so follow-ups arrive as
    // fast as the provider queues dispatch purchases: the rate is raised to their sum below, or a bulk
    // job's follow-ups would pile up in front of every later purchase's for minutes. Each one is a
    // read; one that has to ask the provider moves to that provider's queue (settlePendingPurchase).
    followups: { maxDispatchesPerSecond: 10, maxConcurrentDispatches: 10, maxAttempts: 20, minBackoffMs: 1000, maxBackoffMs: 300_000 },
    // "Is the job done yet?" checks: up to two a second per running job (JOB_FINALIZE_WINDOW_MS), each
    // one indexed read. Their own queue, so that many concurrent jobs never delay the purchase follow-ups.
    // The last check is what finishes a job (and returns its unused spend reservation), so it keeps
    // retrying for about two hours, like a follow-up, through an outage of Firestore or the function.
    'job-checks': { maxDispatchesPerSecond: 100, maxConcurrentDispatches: 50, maxAttempts: 30, minBackoffMs: 500, maxBackoffMs: 300_000 },
    reconcile: { maxDispatchesPerSecond: 5, maxConcurrentDispatches: 2, maxAttempts: 5, minBackoffMs: 2000, maxBackoffMs: 600_000 },
    callbacks: { maxDispatchesPerSecond: 20, maxConcurrentDispatches: 20, maxAttempts: 15, minBackoffMs: 2000, maxBackoffMs: 3_600_000 },
  };
  for (const [provider, rate] of Object.entries(providerDefaults)) {
    const override = Number(env[`QUEUE_RATE_${provider.toUpperCase()}`]);
    const perSecond = Number.isFinite(override) && override > 0 ? override : rate;
    queues[providerQueue(provider)] = {
      maxDispatchesPerSecond: perSecond,
      maxConcurrentDispatches: Math.max(2, Math.ceil(perSecond * PROVIDER_TASK_SECONDS)),
      maxAttempts: 8,
      minBackoffMs: 500,
      maxBackoffMs: 60_000,
    };
  }
  const purchasesPerSecond = Object.keys(providerDefaults).reduce((sum, p) => sum + queues[providerQueue(p)]!.maxDispatchesPerSecond, 0);
  const followups = queues.followups!;
  followups.maxDispatchesPerSecond = Math.max(followups.maxDispatchesPerSecond, Math.ceil(purchasesPerSecond));
  followups.maxConcurrentDispatches = Math.max(followups.maxConcurrentDispatches, Math.ceil(purchasesPerSecond));
  return queues;
}
