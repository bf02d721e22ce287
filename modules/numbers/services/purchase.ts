import type { Deps } from '../../../shared/deps.js';
import { channelsForPurpose, type NumberPurpose, type NumberRecord } from '../../../shared/domain/number.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import { locationsCollection } from '../../directory/index.js';
import { countryOf, nationalFormat, numberTypeOf } from '../../../shared/domain/phone.js';
import { AppError } from '../../../shared/http/errors.js';
import type { Logger } from '../../../shared/log.js';
import { logProvisioning } from '../../../shared/log-events.js';
import type { NumberProviderName } from '../../../shared/providers/registry.js';
import { ProviderError, type NumberProvider, type ProviderNumber } from '../../../shared/providers/types.js';
import { newNumberId } from '../repository.js';
import { assertRoutingSupported, inboundRelayUrl, routingTargets } from './routing.js';
import { markNotHeldDuringReview, notHeldDuringReview, requireOrderableGroup } from '../../requirements/index.js';
import { activated, scheduleSettle, type PurchaseDeps } from './purchase-kit.js';
import { placeOrder, settleWaitingJobItem } from './purchase-orders.js';

export { applyOrderUpdate, type OrderUpdate } from './purchase-orders.js';
export type { SettleOutcome } from './purchase-kit.js';
import { defaultLimits } from '../../../shared/domain/limits.js';


export interface PurchaseInput {
  tenantId: string;
  uid: string;
  provider: NumberProviderName;
  phoneNumber: string; // E.164, validated
  accountId?: string;
  displayName?: string;
  tags?: string[];
  channels?: ('sms' | 'voice')[];
  /** Messages: relayed here (the provider sends them to our relay when there is one). */
  webhookUrl?: string;
  /** Per-number URLs at the provider (refused by name where it has none). */
  voiceUrl?: string;
  smsUrl?: string;
  statusCallbackUrl?: string;
  purpose?: NumberPurpose;
  locationId?: string;
  assignedTo?: { id: string; name: string };
  applicationId?: string;
  externalRef?: string;
  /** The tenant's client company the number is for: its requirement group is used, and lists filter by it. */
  companyId?: string;
  /** Our requirement group (rqg_…) when the provider needs one; else the tenant's (or the company's) group for the country/type. */
  requirementGroupId?: string;
  origin?: { jobId: string; itemId: string };
  connectionId?: string;
  messagingProfileId?: string;
  audit: AuditContext;
}

/**
 * Buys a number at most once. The pending record and the tenant's claim on the
 * E.164 are written before the provider is called, with a follow-up task that
 * settles the purchase should this request die half-way. A request that got no answer
 * (timeout, reset) is settled by looking the number up at the provider; a 5xx answer from a
 * provider that sells a number on the spot is settled by asking for the same number again,
 * which the provider can sell only once (a refusal then leads to the same look-up).
 */
export function purchaseNumber(deps: PurchaseDeps) {
  return async (input: PurchaseInput, log: Logger): Promise<NumberRecord> => {
    const location = input.locationId ? await locationsCollection(deps.db).get(input.tenantId, input.locationId) : undefined;
    if (input.locationId && !location) {
      throw new AppError('NOT_FOUND', 'Location not found', { issues: [{ path: 'body.locationId', message: 'no such location in this tenant' }] });
    }
    // A bulk job's items buy on the account the job resolved when it was created — the tenant's
    // account policy was applied then (jobs.ts), like its spend reservation; a policy change
    // applies to the jobs created after it (cancel a running job to stop it).
    const { provider, accountId } =
      input.origin && input.accountId
        ? { provider: await deps.providers.forAccount(input.tenantId, input.provider, input.accountId), accountId: input.accountId }
        : await deps.providers.forTenant(input.tenantId, input.provider, input.accountId);
    const requirementGroup = provider.capabilities.regulatoryRequirements
      ? await requireOrderableGroup(deps)(
          input.tenantId,
          {
            country: countryOf(input.phoneNumber) ?? 'ZZ',
            type: numberTypeOf(input.phoneNumber),
            ...(input.requirementGroupId ? { requirementGroupId: input.requirementGroupId } : {}),
            ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
          },
          input.audit,
        )
      : undefined;
    const now = deps.now();
    const channels = input.channels ?? (input.purpose ? channelsForPurpose(input.purpose) : undefined);
    const leaseUntil = new Date(now.getTime() + deps.config.PURCHASE_LEASE_SECONDS * 1000);
    const wants = (channel: 'sms' | 'voice') => !channels || channels.includes(channel);
    assertRoutingSupported(input.provider, provider.capabilities, {
      webhookUrl: input.webhookUrl,
      voiceUrl: input.voiceUrl,
      smsUrl: input.smsUrl,
      statusCallbackUrl: input.statusCallbackUrl,
      applicationId: input.applicationId,
    });
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
      // The channels asked for; activation keeps those the number supports.
      smsEnabled: wants('sms'),
      voiceEnabled: wants('voice'),
      ...(input.displayName ? { displayName: input.displayName } : {}),
      ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}),
      ...(input.voiceUrl ? { voiceUrl: input.voiceUrl } : {}),
      ...(input.smsUrl ? { smsUrl: input.smsUrl } : {}),
      ...(input.statusCallbackUrl ? { statusCallbackUrl: input.statusCallbackUrl } : {}),
      ...(input.purpose ? { purpose: input.purpose } : {}),
      ...(location ? { locationId: location.id, locationName: location.name } : {}),
      ...(input.assignedTo ? { assignedTo: input.assignedTo } : {}),
      ...(input.applicationId ? { applicationId: input.applicationId } : {}),
      ...(input.externalRef ? { externalRef: input.externalRef } : {}),
      ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
      ...(requirementGroup ? { requirementGroupId: requirementGroup.id } : {}),
      ...(input.origin ? { origin: input.origin } : {}),
      status: 'pending',
      purchase: { leaseUntil: leaseUntil.toISOString(), attempts: 1, outcome: 'in_flight' },
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      createdBy: input.uid,
    };
    const claim = await deps.numbers.claimForPurchase(draft, now, input.audit, defaultLimits(deps.config));
    const pending = claim.record;
    const followUpAt = new Date(leaseUntil.getTime() + 2000);
    try {
      await scheduleSettle(deps, pending, followUpAt, `a${pending.purchase?.attempts ?? 1}`);
    } catch (err) {
      log.error('could not schedule the purchase follow-up; not buying', { numberId: pending.id, err });
      if (claim.kind === 'created') await deps.numbers.abandonPurchase(input.tenantId, pending.id, input.phoneNumber, input.audit);
      throw new AppError('SERVICE_UNAVAILABLE', 'Purchases are briefly unavailable; retry shortly', { retryable: true }, 5);
    }

    const via = input.origin ? 'job' : 'api';
    if (claim.kind === 'resumed') {
      log.info('resuming an unsettled purchase', { numberId: pending.id });
      const owned = await lookUp(deps, provider, pending, input.audit, log);
      if (owned) return activate(deps, pending, owned, input.audit, log, via, input.origin);
    }

    const request = {
      phoneNumber: input.phoneNumber,
      ...(input.displayName ? { label: input.displayName } : {}),
      ...routingTargets(input, { sms: wants('sms'), voice: wants('voice') }, provider.capabilities, inboundRelayUrl(deps.config, input.provider)),
      ...(input.applicationId ? { applicationId: input.applicationId } : {}),
      ...(requirementGroup ? { requirementGroupId: requirementGroup.providerGroupId } : {}),
      ...(input.connectionId ? { connectionId: input.connectionId } : {}),
      ...(input.messagingProfileId ? { messagingProfileId: input.messagingProfileId } : {}),
      customerReference: pending.id,
    };
    let bought: ProviderNumber;
    let outcomeUnknown = false;
    let askedAgain = 0;
    let rateLimitedWaits = 0;
    let leaseEnds = leaseUntil.getTime();
    let lastError: unknown;
    for (;;) {
      // Every call to the provider starts well within the lease, or the follow-up could look the
      // number up (and settle "not bought") while this call is still buying it.
      const leaseMs = deps.config.PURCHASE_LEASE_SECONDS * 1000;
      if (leaseEnds - deps.now().getTime() < leaseMs / 2) {
        const renewedUntil = deps.now().getTime() + leaseMs;
        const attempt = pending.purchase?.attempts ?? 1;
        const lease = await deps.numbers.renewLease(input.tenantId, pending.id, attempt, new Date(deps.now().getTime()), new Date(renewedUntil));
        if (!lease.renewed) {
          // The follow-up took the purchase. It looked the number up before this attempt's last
          // answer, so an answer that left the outcome open is looked up again here.
          const open = outcomeUnknown || (lastError instanceof ProviderError && lastError.ambiguous);
          const owned = open && lease.current?.status === 'error' ? await provider.findOwned(input.phoneNumber) : undefined;
          if (owned && lease.current) return activate(deps, lease.current, owned, input.audit, log, via, input.origin);
          return settledMeanwhile(lease.current, pending, lastError, log);
        }
        leaseEnds = renewedUntil;
        // A follow-up for the new lease: the one scheduled for the first may have run already.
        await scheduleSettle(deps, pending, new Date(renewedUntil + 2000), `a${attempt}-l${renewedUntil}`).catch((err: unknown) =>
          log.warn('could not schedule the follow-up of a renewed purchase lease; the queue retries the earlier one', { numberId: pending.id, err }),
        );
      }
      try {
        bought = await provider.purchase(request);
        break;
      } catch (err) {
        lastError = err;
        const providerError = err instanceof ProviderError ? err : undefined;
        const ambiguous = providerError?.ambiguous === true;
        if (ambiguous && providerError.info.httpStatus !== undefined && provider.capabilities.immediatePurchase && askedAgain < ANSWERED_RETRIES) {
          // The provider answered 5xx: the outcome is unknown, but a number is sold once, so asking
          // again is itself the check — it buys the number if the first attempt did not, and is
          // refused if it did (then the look-up below finds it ours). The common case spends no
          // look-up call. Timeouts and resets (no answer at all) are looked up before anything else.
          outcomeUnknown = true;
          askedAgain++;
          log.warn('purchase outcome unknown after a provider answer; asking again', { numberId: pending.id, attempt: askedAgain, providerCode: providerError.info.providerCode });
          await sleep(answeredRetryDelayMs(askedAgain));
          continue;
        }
        // A 429 used none of the provider's capacity and decided nothing: waiting is always safe.
        // A bulk item waits here rather than going back to its queue, whose dispatches are the
        // scarce resource at the account limit; after a 5xx the question is still open, so ask again.
        const patience = input.origin ? BULK_RATE_LIMITED_WAITS : outcomeUnknown ? ANSWERED_RETRIES : 0;
        const wait = Math.min(MAX_RATE_LIMITED_WAIT_MS, (providerError?.info.retryAfterSeconds ?? 1) * 1000) * (1 + Math.random() / 2);
        // Never wait into the end of the lease: the follow-up would then settle a purchase still being tried.
        const withinLease = deps.now().getTime() + wait < leaseEnds - deps.config.PURCHASE_LEASE_SECONDS * 500;
        if (providerError?.info.kind === 'rate_limited' && rateLimitedWaits < patience && withinLease) {
          rateLimitedWaits++;
          await sleep(wait);
          continue;
        }
        // A resumed purchase refused as taken: the earlier attempt's call may have sold it to us after
        // the resumed look-up. The refusal came after any such sale, so a look-up now tells.
        const takenOnResume = claim.kind === 'resumed' && (providerError?.info.kind === 'not_available' || providerError?.info.kind === 'already_owned');
        if (ambiguous || outcomeUnknown || takenOnResume) {
          log.warn('purchase outcome unknown; checking the provider', { numberId: pending.id, providerCode: providerError?.info.providerCode });
          const owned = await lookUp(deps, provider, pending, input.audit, log);
          if (owned) return activate(deps, pending, owned, input.audit, log, via, input.origin);
        }
        // The provider definitely did not sell us the number: leave nothing behind.
        await deps.numbers.abandonPurchase(input.tenantId, pending.id, input.phoneNumber, input.audit);
        logProvisioning(log, {
          operation: 'purchase',
          provider: input.provider,
          outcome: 'failed',
          reason: providerError ? (providerError.info.kind ?? providerError.info.providerCode ?? 'provider_error') : err instanceof AppError ? err.code : 'error',
          numberId: pending.id,
          via,
        });
        const refusal = requirementGroup?.underReview ? notHeldDuringReview(err, requirementGroup.id, input.phoneNumber) : err;
        if (refusal !== err) await markNotHeldDuringReview(deps)(input.tenantId, requirementGroup!.id, input.audit).catch((e) => log.warn('could not record that the provider does not hold numbers during review', { err: e }));
        throw refusal;
      }
    }
    if (bought.order && bought.order.status !== 'success') return placeOrder(deps, pending, bought, input.audit, log);
    return activate(deps, pending, bought, input.audit, log, via, input.origin);
  };
}

/**
 * The attempt's lease ran out between provider calls: the purchase is its follow-up's now (which
 * may have settled it already). Active: the follow-up found the number ours. Otherwise this attempt
 * stops with its last answer, and the follow-up (or a retry with the same key) settles the rest.
 */
function settledMeanwhile(current: NumberRecord | undefined, pending: NumberRecord, lastError: unknown, log: Logger): NumberRecord {
  if (current && (current.status === 'active' || current.status === 'inactive')) return current;
  log.warn('the purchase lease ran out between provider calls; its follow-up settles it', { numberId: pending.id, status: current?.status });
  if (lastError instanceof AppError || lastError instanceof ProviderError) throw lastError;
  throw new AppError('SERVICE_UNAVAILABLE', `The purchase of ${pending.phoneNumber} did not start in time and nothing was bought; retry shortly`, { retryable: true }, 5);
}

/** Times a purchase answered 5xx is asked again in the same request before falling back to a look-up. */
const ANSWERED_RETRIES = 3;
/** Extra waits on the provider's rate limit for a bulk item (each after Retry-After), beyond the HTTP client's own. */
const BULK_RATE_LIMITED_WAITS = 8;
const MAX_RATE_LIMITED_WAIT_MS = 5_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** 150–300 ms, then 300–600 ms: long enough for a blip, short enough to keep a request's latency. */
const answeredRetryDelayMs = (attempt: number) => 150 * 2 ** (attempt - 1) * (1 + Math.random());

/**
 * Looks the number up among the account's numbers. When even that fails, the
 * purchase stays pending with an unknown outcome and an expired lease, so the next
 * attempt (a retry with the same key, or the follow-up task) looks again first.
 */
async function lookUp(
  deps: PurchaseDeps,
  provider: NumberProvider,
  pending: NumberRecord,
  audit: AuditContext,
  log: Logger,
): Promise<ProviderNumber | undefined> {
  try {
    return await provider.findOwned(pending.phoneNumber);
  } catch (err) {
    log.error('purchase outcome unknown: provider lookup failed', { numberId: pending.id, err });
    await deps.numbers.update(pending.tenantId, pending.id, 'numbers.purchase_outcome_unknown', audit, (current) => ({
      ...current,
      updatedAt: deps.now().toISOString(),
      purchase: {
        attempts: current.purchase?.attempts ?? 1,
        outcome: 'unknown',
        leaseUntil: deps.now().toISOString(),
        lastError: { message: err instanceof Error ? err.message : 'lookup failed' },
      },
    }));
    await scheduleSettle(deps, pending, new Date(deps.now().getTime() + 10_000), `u${pending.purchase?.attempts ?? 1}`).catch(
      (e) => log.error('could not schedule an earlier follow-up; the lease-end one remains', { err: e }),
    );
    throw new AppError(
      'PROVIDER_ERROR',
      `The outcome of buying ${pending.phoneNumber} at ${pending.provider} is not known yet; retry the same request (same Idempotency-Key) to settle it — it will not be bought twice`,
      { provider: pending.provider, retryable: true, numberId: pending.id, ambiguous: true },
      5,
    );
  }
}

/** The purchase ended with the number ours; logged (once, by whoever activates it) for the purchases metric. */
export async function activate(
  deps: Pick<Deps, 'numbers' | 'now'>,
  pending: NumberRecord,
  owned: ProviderNumber,
  audit: AuditContext,
  log: Logger,
  via: 'api' | 'job' | 'followup',
  /** The job item running this purchase, if any: it is not waiting, so it needs no settling read. */
  runningItem?: { jobId: string; itemId: string },
): Promise<NumberRecord> {
  let activatedNow = false;
  const origin = pending.origin;
  const itselfRunning = !!origin && runningItem?.jobId === origin.jobId && runningItem.itemId === origin.itemId;
  const record = await deps.numbers.update(
    pending.tenantId,
    pending.id,
    'numbers.activate',
    audit,
    (current) => {
      activatedNow = current.status === 'pending';
      return activatedNow ? activated(current, owned, deps.now().toISOString()) : current; // settled by someone else meanwhile
    },
    // A bulk item that waits for this purchase's outcome (its look-ups had failed) ends with it.
    origin && !itselfRunning ? (tx, firestore, _before, after) => settleWaitingJobItem(tx, firestore, after) : undefined,
    { holding: { provider: pending.provider, phoneNumber: pending.phoneNumber } },
  );
  if (activatedNow) logProvisioning(log, { operation: 'purchase', provider: pending.provider, outcome: 'succeeded', numberId: pending.id, via });
  if (!activatedNow && record.status === 'error') return completedLate(deps, record, owned, audit, log, via, itselfRunning);
  return record;
}

/**
 * The provider sold us the number after all, but the purchase was settled as not bought (its
 * follow-up looked it up before the provider's late answer): the number is the tenant's again.
 * Never left bought and held by nobody, and never held twice: when someone holds it by now, the
 * platform's account has a number no record holds — an ERROR for people, and reconciliation's finding.
 */
async function completedLate(
  deps: Pick<Deps, 'numbers' | 'now'>,
  record: NumberRecord,
  owned: ProviderNumber,
  audit: AuditContext,
  log: Logger,
  via: 'api' | 'job' | 'followup',
  /** Its bulk item is the one running this: the item ends succeeded, within the job's reservation. */
  itemSucceeds: boolean,
): Promise<NumberRecord> {
  try {
    const revived = await deps.numbers.revivePurchase(record.tenantId, record.id, audit, (current) => activated(current, owned, deps.now().toISOString()), { itemSucceeds });
    if (!revived) {
      // Revived (or changed) by someone else meanwhile: what it is now.
      const current = await deps.numbers.get(record.tenantId, record.id);
      if (current && current.status !== 'error') return current;
      throw new AppError('CONFLICT', `${record.phoneNumber} could not be recorded as this tenant's`, { reason: 'not_available', provider: record.provider, retryable: false });
    }
    log.warn('a purchase settled as not bought was completed by the provider after all; the number is the tenant’s', { numberId: record.id });
    logProvisioning(log, { operation: 'purchase', provider: record.provider, outcome: 'succeeded', numberId: record.id, via });
    return revived;
  } catch (err) {
    log.error('the provider completed a purchase settled as not bought, and the number is held by another record now; it is on the account and held by none of this purchase', {
      numberId: record.id,
      provider: record.provider,
      reason: err instanceof AppError ? err.code : 'error',
    });
    throw err;
  }
}
