/**
 * The `event` field of the log lines that Cloud Monitoring counts (terraform/monitoring.tf builds its
 * log-based metrics on `jsonPayload.event` and the fields named next to it). Renaming an event or one
 * of its metric's fields breaks that metric silently in production; test/unit/monitoring.test.ts
 * fails instead.
 */
import type { Logger } from './log.js';

export const LOG_EVENTS = {
  /** One line per provider API call (after its retries): provider, op, outcome ok | rejected | failed. */
  providerCall: 'provider.call',
  /** A purchase, order or toll-free activation/reservation that ended: provider, operation, outcome. */
  provisioning: 'provisioning',
  /** A bulk job item task that ran: provider, type, outcome. */
  jobItem: 'job.item',
  /** A job chunk (or a search job's message) that reached the dead-letter topic. */
  jobDeadLettered: 'job.dead_lettered',
  /** A relayed inbound message the tenant's webhook did not accept (the queue retries). */
  relayDeliveryFailed: 'relay.delivery_failed',
} as const;

export type ProvisioningOperation = 'purchase' | 'order' | 'tollfree-activate' | 'tollfree-reserve';

export interface ProvisioningOutcome {
  operation: ProvisioningOperation;
  provider: string;
  outcome: 'succeeded' | 'failed';
  /** Why it failed: a provider error kind or code, or what the follow-up found. */
  reason?: string | undefined;
  numberId?: string | undefined;
  number?: string | undefined;
  /** 'job' for a bulk job's item, 'api' otherwise. */
  via?: 'api' | 'job' | 'followup' | 'webhook' | undefined;
}

/** The line the provisioning metrics count (INFO when it succeeded, WARNING when it failed). */
export function logProvisioning(log: Logger, outcome: ProvisioningOutcome): void {
  const fields: Record<string, unknown> = { event: LOG_EVENTS.provisioning };
  for (const [key, value] of Object.entries(outcome)) if (value !== undefined) fields[key] = value;
  if (outcome.outcome === 'succeeded') log.info(`${outcome.operation} succeeded`, fields);
  else log.warn(`${outcome.operation} failed`, fields);
}
