import { enqueueTask } from '../../../shared/api/task-targets.js';
import type { Deps } from '../../../shared/deps.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import type { ProviderNumber } from '../../../shared/providers/types.js';

/** What purchases (purchase.ts) and their orders (purchase-orders.ts) share: deps, follow-up tasks, activation. */
export type PurchaseDeps = Pick<Deps, 'numbers' | 'providers' | 'now' | 'config' | 'tasks' | 'db' | 'log'>;

export type SettleOutcome = 'already_settled' | 'handed_off' | 'retry_scheduled' | 'activated' | 'not_bought' | 'order_pending' | 'order_failed';

export const scheduleSettle = (deps: Pick<Deps, 'tasks' | 'config'>, record: NumberRecord, at: Date, suffix: string) =>
  enqueueSettle(deps, { tenantId: record.tenantId, numberId: record.id }, suffix, { at });

/** A settle task (`followups` unless another queue is given), named per purchase so redeliveries dedupe. */
export async function enqueueSettle(
  deps: Pick<Deps, 'tasks' | 'config'>,
  body: { tenantId: string; numberId: string; atProvider?: true; retry?: number; key?: string },
  suffix: string,
  options: { at?: Date; queue?: string } = {},
): Promise<void> {
  await enqueueTask(deps, 'settlePurchase', body, {
    ...(options.queue ? { queue: options.queue } : {}),
    ...(options.at ? { scheduleAt: options.at } : {}),
    id: `settle-${body.tenantId}-${body.numberId}-${suffix}`,
  });
}

/** A pending number once the provider has it: its provider id, capabilities and the channels asked for. */
export function activated(current: NumberRecord, owned: ProviderNumber, now: string): NumberRecord {
  const { purchase: _done, statusReason: _held, ...rest } = current;
  // A provider whose number resource says nothing about capabilities (Telnyx) keeps what the order knew.
  const capabilities = owned.capabilitiesUnknown ? current.capabilities : owned.capabilities;
  return {
    ...rest,
    status: 'active',
    providerNumberId: owned.providerNumberId,
    friendlyName: owned.friendlyName || current.friendlyName,
    ...(owned.country ? { country: owned.country } : {}),
    type: owned.type ?? current.type,
    capabilities,
    smsEnabled: capabilities.sms && current.smsEnabled,
    voiceEnabled: capabilities.voice && current.voiceEnabled,
    ...(owned.monthlyCost ? { monthlyRate: owned.monthlyCost } : {}),
    provisionedAt: now,
    updatedAt: now,
  };
}
