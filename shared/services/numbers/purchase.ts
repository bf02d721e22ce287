import type { Deps } from '../../deps.js';
import type { NumberRecord } from '../../domain/number.js';
import { countryOf, nationalFormat, numberTypeOf } from '../../domain/phone.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import type { NumberProviderName } from '../../providers/registry.js';
import { ProviderError, type NumberProvider, type ProviderNumber } from '../../providers/types.js';
import { newNumberId } from '../../store/numbers-store.js';

export interface PurchaseInput {
  tenantId: string;
  uid: string;
  provider: NumberProviderName;
  phoneNumber: string; // E.164, validated
  accountId?: string;
  displayName?: string;
  tags?: string[];
  channels?: ('sms' | 'voice')[];
  webhookUrl?: string;
}

/**
 * Buys a number at most once. The pending record and the tenant's claim on the
 * E.164 are written before the provider is called; an ambiguous provider failure
 * is settled by looking the number up at the provider, never by buying again.
 */
export function purchaseNumber(deps: Pick<Deps, 'numbers' | 'providers' | 'now' | 'config'>) {
  return async (input: PurchaseInput, log: Logger): Promise<{ record: NumberRecord; created: boolean }> => {
    const { provider, accountId } = await deps.providers.forTenant(input.tenantId, input.provider, input.accountId);
    const now = deps.now();
    const leaseUntil = new Date(now.getTime() + deps.config.PURCHASE_LEASE_SECONDS * 1000).toISOString();
    const draft: NumberRecord = {
      id: newNumberId(),
      tenantId: input.tenantId,
      provider: input.provider,
      accountId,
      phoneNumber: input.phoneNumber,
      friendlyName: nationalFormat(input.phoneNumber),
      country: countryOf(input.phoneNumber) ?? 'ZZ',
      type: numberTypeOf(input.phoneNumber),
      capabilities: { voice: false, sms: false, mms: false, fax: false },
      tags: input.tags ?? [],
      smsEnabled: false,
      voiceEnabled: false,
      ...(input.displayName ? { displayName: input.displayName } : {}),
      ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}),
      status: 'pending',
      purchase: { leaseUntil, attempts: 1, outcome: 'in_flight' },
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: input.uid,
    };
    const claim = await deps.numbers.claimForPurchase(draft, now);
    const pending = claim.record;
    const settle = (owned: ProviderNumber) => activate(deps, pending, owned, input);

    if (claim.kind === 'resumed') {
      log.info('resuming an unsettled purchase', { numberId: pending.id });
      const owned = await lookUp(deps, provider, pending, log);
      if (owned) return { record: await settle(owned), created: true };
    }

    let bought: ProviderNumber;
    try {
      bought = await provider.purchase({
        phoneNumber: input.phoneNumber,
        ...(input.displayName ? { label: input.displayName } : {}),
        ...webhookTargets(input.webhookUrl, input.channels),
      });
    } catch (err) {
      if (err instanceof ProviderError && err.ambiguous) {
        log.warn('ambiguous purchase failure; checking the provider', { numberId: pending.id, providerCode: err.info.providerCode });
        const owned = await lookUp(deps, provider, pending, log);
        if (owned) return { record: await settle(owned), created: true };
      }
      // The provider definitely did not sell us the number: leave nothing behind.
      await deps.numbers.abandonPurchase(input.tenantId, pending.id, input.phoneNumber);
      throw err;
    }
    return { record: await settle(bought), created: true };
  };
}

/**
 * Looks the number up among the account's numbers. When even that fails, the
 * purchase stays pending with an unknown outcome and an expired lease, so the
 * next attempt (a retry, the follow-up, reconciliation) looks again first.
 */
async function lookUp(
  deps: Pick<Deps, 'numbers' | 'now'>,
  provider: NumberProvider,
  pending: NumberRecord,
  log: Logger,
): Promise<ProviderNumber | undefined> {
  try {
    return await provider.findOwned(pending.phoneNumber);
  } catch (err) {
    log.error('purchase outcome unknown: provider lookup failed', { numberId: pending.id, err });
    await deps.numbers.update(pending.tenantId, pending.id, (current) => ({
      ...current,
      updatedAt: deps.now().toISOString(),
      purchase: {
        attempts: current.purchase?.attempts ?? 1,
        outcome: 'unknown',
        leaseUntil: deps.now().toISOString(),
        lastError: { message: err instanceof Error ? err.message : 'lookup failed' },
      },
    }));
    throw new AppError(
      'PROVIDER_ERROR',
      `The outcome of buying ${pending.phoneNumber} at ${pending.provider} is not known yet; retry the same request (same Idempotency-Key) to settle it — it will not be bought twice`,
      { provider: pending.provider, retryable: true, numberId: pending.id, ambiguous: true },
      5,
    );
  }
}

async function activate(
  deps: Pick<Deps, 'numbers' | 'now'>,
  pending: NumberRecord,
  owned: ProviderNumber,
  input: PurchaseInput,
): Promise<NumberRecord> {
  const now = deps.now().toISOString();
  const wants = (channel: 'sms' | 'voice') => !input.channels || input.channels.includes(channel);
  return deps.numbers.update(pending.tenantId, pending.id, (current) => {
    if (current.status !== 'pending') return current; // settled by someone else meanwhile
    const { purchase: _done, ...rest } = current;
    return {
      ...rest,
      status: 'active',
      providerNumberId: owned.providerNumberId,
      friendlyName: owned.friendlyName || current.friendlyName,
      ...(owned.country ? { country: owned.country } : {}),
      type: owned.type ?? current.type,
      capabilities: owned.capabilities,
      smsEnabled: owned.capabilities.sms && wants('sms'),
      voiceEnabled: owned.capabilities.voice && wants('voice'),
      ...(owned.monthlyCost ? { monthlyCost: owned.monthlyCost } : {}),
      provisionedAt: now,
      updatedAt: now,
    };
  });
}

/** Until the inbound relay exists, a number's webhookUrl is set directly as its SMS/voice URL. */
export function webhookTargets(webhookUrl: string | undefined, channels?: ('sms' | 'voice')[]) {
  if (!webhookUrl) return {};
  const on = (c: 'sms' | 'voice') => !channels || channels.includes(c);
  return { ...(on('sms') ? { smsUrl: webhookUrl } : {}), ...(on('voice') ? { voiceUrl: webhookUrl } : {}) };
}
