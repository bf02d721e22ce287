import type { z } from 'zod';
import type { UpdateNumberBody } from '../../../shared/api/schemas.js';
import { VAPI_NAME_MAX } from '../../../shared/api/schemas.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { assertTransition, type NumberRecord, type ProviderChangeIntent, type RoutingSnapshot } from '../../../shared/domain/number.js';
import { AppError } from '../../../shared/http/errors.js';
import { isAccountMissing, PLATFORM_ACCOUNT_ID, type NumberProviderName } from '../../../shared/providers/registry.js';
import { ProviderError, type NumberProvider, type ProviderCapabilities, type UpdateRequest } from '../../../shared/providers/types.js';
import {
  assertRoutingSupported,
  inboundRelayUrl,
  outOfServiceRouting,
  recordRouting,
  restoreRouting,
  routingSnapshot,
  routingTargets,
  urlFields,
} from './routing.js';
import { detachNumberFromAgent } from '../../directory/index.js';
import { locationsCollection } from '../../directory/index.js';
import { providerAccountsCollection } from '../../accounts/index.js';
import { isNumberId } from '../../../shared/api/schemas.js';

type Changes = z.infer<typeof UpdateNumberBody>;
const vapiFields = ['assistantId', 'serverUrl', 'fallbackNumber'] as const;
type ManageDeps = Pick<Deps, 'numbers' | 'providers' | 'now' | 'db' | 'config' | 'log'>;

function assertSettled(record: NumberRecord): void {
  if (record.status === 'released') {
    throw new AppError('CONFLICT', 'This number has been released; it can no longer be changed or released again', {
      status: record.status,
      releasedAt: record.releasedAt,
    });
  }
  if (record.status === 'pending') {
    throw new AppError('CONFLICT', 'This number is still being purchased; try again once it is active', { status: record.status });
  }
  if (record.status === 'error') {
    throw new AppError('CONFLICT', 'This number is in error and cannot be changed', { status: record.status, statusReason: record.statusReason });
  }
}

/**
 * A number named in a path: its id, or the E.164 of the number the tenant holds now (404 when it holds
 * no such number: a released one is found by its id only).
 */
export async function resolveNumberRef(deps: Pick<Deps, 'numbers'>, tenantId: string, ref: string): Promise<NumberRecord> {
  if (isNumberId(ref)) return deps.numbers.require(tenantId, ref);
  const held = await deps.numbers.findHeld(tenantId, ref);
  if (!held) throw new AppError('NOT_FOUND', `This tenant holds no number ${ref}`, { phoneNumber: ref });
  return held;
}

/**
 * The number a change or a release starts from: read by its id, or the record the caller read just
 * before (resolveNumberRef: not read twice). Either way the change's own transaction reads it again.
 */
async function numberToChange(deps: Pick<Deps, 'numbers'>, tenantId: string, ref: string | NumberRecord): Promise<NumberRecord> {
  if (typeof ref === 'string') return deps.numbers.require(tenantId, ref);
  if (ref.tenantId !== tenantId) throw new Error(`a number of another tenant was handed to a change for ${tenantId}`);
  return ref;
}

/**
 * The provider client of a stored number's account. A number whose own account was removed
 * (DELETE /v1/provider-accounts/{id}?force=true) is detached: a 409 that says how to get it back.
 */
async function providerFor(deps: ManageDeps, number: NumberRecord, doing: 'change' | 'release'): Promise<NumberProvider> {
  try {
    return await deps.providers.forAccount(number.tenantId, number.provider as NumberProviderName, number.accountId);
  } catch (err) {
    if (isAccountMissing(err) && number.accountId !== PLATFORM_ACCOUNT_ID) throw detached(number, doing);
    throw err;
  }
}

export function detached(number: NumberRecord, doing: 'change' | 'release'): AppError {
  const { provider } = number;
  const what =
    doing === 'release'
      ? `release it at ${provider} from here; add the same ${provider} account again (same credentials’ account id) to re-attach it and release it there, or release it from our records only with DELETE /v1/numbers/${number.id}?recordsOnly=true`
      : `change it at ${provider}; add the same ${provider} account again (same credentials’ account id) to re-attach it`;
  return new AppError(
    'CONFLICT',
    `The ${provider} account this number was bought on (${number.accountId}) was removed, so we cannot ${what}. ${provider} still holds and bills ${number.phoneNumber} until it is released there.`,
    { reason: 'account_detached', provider, accountId: number.accountId, numberId: number.id },
  );
}

/** What the provider must be told for a change; local-only fields (tags, location, status…) need no call. */
export function providerChanges(current: NumberRecord, changes: Changes, capabilities: ProviderCapabilities, relayUrl?: string): UpdateRequest | undefined {
  const update: UpdateRequest = {};
  if (changes.displayName !== undefined && changes.displayName !== (current.displayName ?? null)) {
    update.label = changes.displayName ?? current.friendlyName;
  }
  const urls = Object.fromEntries(urlFields.map((key) => [key, changes[key] !== undefined ? (changes[key] ?? undefined) : current[key]]));
  const on = { sms: changes.smsEnabled ?? current.smsEnabled, voice: changes.voiceEnabled ?? current.voiceEnabled };
  const targets = routingTargets(urls, on, capabilities, relayUrl);
  // Messages and calls are routed apart: a change to one never touches the other's URL.
  const messages = changes.webhookUrl !== undefined || changes.smsUrl !== undefined || changes.smsEnabled !== undefined;
  const calls = changes.voiceUrl !== undefined || changes.voiceEnabled !== undefined;
  if (messages && capabilities.webhooks?.sms) update.smsUrl = targets.smsUrl ?? null;
  if (calls && capabilities.webhooks?.voice) update.voiceUrl = targets.voiceUrl ?? null;
  if (changes.statusCallbackUrl !== undefined && capabilities.webhooks?.statusCallback) update.statusCallbackUrl = changes.statusCallbackUrl;
  if (changes.applicationId !== undefined) update.applicationId = changes.applicationId;
  for (const key of vapiFields) if (changes[key] !== undefined) update[key] = changes[key];
  return Object.keys(update).length ? update : undefined;
}

/**
 * The provider update and the remembered routing of a change that involves the number's status:
 * - going inactive: the routing the provider has now (with this change's own routing applied) is
 *   remembered, and the provider is pointed out of service (./routing.ts outOfServiceRouting);
 * - while inactive: routing changes go into what is remembered (the provider stays out of service);
 * - going active: what was remembered is put back (this change's own routing wins).
 * activeRouting: what to remember (null: forget it, undefined: leave it as it is).
 */
async function statusRouting(
  deps: ManageDeps,
  provider: NumberProvider,
  current: NumberRecord,
  changes: Changes,
  update: UpdateRequest | undefined,
  carried: ProviderChangeIntent | undefined,
): Promise<{ update: UpdateRequest | undefined; activeRouting?: RoutingSnapshot | null }> {
  const status = changes.status ?? current.status;
  if (status === 'inactive') {
    // Inactive before its routing was taken out of service (older records): the provider still routes it.
    if (current.status === 'inactive' && !current.activeRouting) return { update };
    const { fields, update: off } = outOfServiceRouting(current.provider, deps.config);
    const routed: UpdateRequest = { ...update };
    const mine: RoutingSnapshot = {};
    for (const field of fields) {
      if (field in routed) mine[field] = routed[field] ?? null;
      delete routed[field];
    }
    const rest = Object.keys(routed).length ? routed : undefined;
    if (current.status === 'inactive') {
      // Already out of service: the change is remembered for when it is active again.
      return Object.keys(mine).length ? { update: rest, activeRouting: { ...current.activeRouting, ...mine } } : { update: rest };
    }
    const before =
      carried?.changes.status === 'inactive' && carried.activeRouting
        ? carried.activeRouting // an earlier attempt may have reached the provider: what it saw is what was active
        : routingSnapshot(
            await provider.get(current.providerNumberId!),
            fields,
            off,
            recordRouting(current, provider.capabilities, inboundRelayUrl(deps.config, current.provider)),
          );
    return { update: { ...rest, ...off }, activeRouting: { ...before, ...mine } };
  }
  if (current.status === 'inactive') {
    // Back in service: what it had, with this change's own routing on top.
    const merged: UpdateRequest = { ...(current.activeRouting ? restoreRouting(current.activeRouting) : {}), ...update };
    return { update: Object.keys(merged).length ? merged : undefined, activeRouting: null };
  }
  return { update };
}

/** The fields of a change the provider hears of (the rest are ours alone; status when it changes). */
const providerFields = ['displayName', ...urlFields, 'applicationId', 'smsEnabled', 'voiceEnabled', 'status', ...vapiFields] as const;

/**
 * A change that reaches the provider is recorded on the number first (`providerChange`), then sent,
 * then written with the marker removed: a local write that fails after the provider acted leaves a
 * record of it, never silent drift. The next change to the number carries a marker it finds (sends
 * its fields again, harmless when the provider has them, and records them), so a retry of the
 * failed request repairs it; a concurrent change carries the other's fields along to the same end.
 */
export function updateNumber(deps: ManageDeps) {
  const locations = locationsCollection(deps.db);
  return async (tenantId: string, ref: string | NumberRecord, requested: Changes, audit: AuditContext): Promise<NumberRecord> => {
    const current = await numberToChange(deps, tenantId, ref);
    const { id } = current;
    assertSettled(current);
    // A change the provider has (or may have) but the number does not: sent again with this one and
    // recorded with it (this request's own fields win).
    const carried = current.providerChange;
    const changes: Changes = { ...(carried?.changes as Changes | undefined), ...requested };
    if (changes.status) assertTransition(current.status, changes.status);
    if (changes.smsEnabled && !current.capabilities.sms) {
      throw new AppError('VALIDATION_ERROR', 'This number cannot send or receive SMS', { issues: [{ path: 'body.smsEnabled', message: 'not supported by this number' }] });
    }
    if (changes.voiceEnabled && !current.capabilities.voice) {
      throw new AppError('VALIDATION_ERROR', 'This number has no voice capability', { issues: [{ path: 'body.voiceEnabled', message: 'not supported by this number' }] });
    }
    if (current.provider === 'vapi' && typeof requested.displayName === 'string' && requested.displayName.length > VAPI_NAME_MAX) {
      // Vapi's name limit, refused here as on import (never cut, never left to Vapi's own answer).
      throw new AppError('VALIDATION_ERROR', `Invalid body.displayName: Vapi numbers' names are at most ${VAPI_NAME_MAX} characters (Vapi's limit)`, {
        issues: [{ path: 'body.displayName', message: `at most ${VAPI_NAME_MAX} characters for a Vapi number` }],
      });
    }
    const vapiOnly = vapiFields.filter((key) => changes[key] !== undefined);
    if (vapiOnly.length && current.provider !== 'vapi') {
      throw new AppError('VALIDATION_ERROR', `${vapiOnly.join(', ')} only apply to Vapi numbers`, {
        issues: vapiOnly.map((key) => ({ path: `body.${key}`, message: 'Vapi numbers only' })),
      });
    }
    const location = changes.locationId ? await locations.get(tenantId, changes.locationId) : undefined;
    if (changes.locationId && !location) {
      throw new AppError('NOT_FOUND', 'Location not found', { issues: [{ path: 'body.locationId', message: 'no such location in this tenant' }] });
    }
    // A status that changes, or a number out of service whose routing changes, involves its routing at the provider.
    const statusChanges = changes.status !== undefined && changes.status !== current.status;
    const touchesProvider = providerFields.some((key) => key in changes && key !== 'status') || statusChanges;
    let provider: NumberProvider | undefined;
    if (touchesProvider) {
      provider = await providerFor(deps, current, 'change');
      assertRoutingSupported(current.provider, provider.capabilities, {
        ...Object.fromEntries(urlFields.map((key) => [key, changes[key]])),
        applicationId: changes.applicationId,
      });
    }
    let update = provider && providerChanges(current, changes, provider.capabilities, inboundRelayUrl(deps.config, current.provider));
    let activeRouting: RoutingSnapshot | null | undefined;
    if (provider && current.providerNumberId && (statusChanges || current.status === 'inactive')) {
      ({ update, activeRouting } = await statusRouting(deps, provider, current, changes, update, carried));
    }
    // Vonage replaces a number's whole configuration on each update and never lists voiceStatusCallback:
    // every update carries the one the number keeps.
    if (update && current.provider === 'vonage' && update.statusCallbackUrl === undefined && current.statusCallbackUrl) {
      update = { ...update, statusCallbackUrl: current.statusCallbackUrl };
    }
    let marked = false;
    if (provider && update && current.providerNumberId) {
      const intent: ProviderChangeIntent = {
        requestId: audit.requestId,
        startedAt: deps.now().toISOString(),
        changes: JSON.parse(JSON.stringify(Object.fromEntries(providerFields.filter((key) => key in changes).map((key) => [key, changes[key]])))) as Record<string, unknown>,
        ...(changes.status === 'inactive' && activeRouting ? { activeRouting } : {}),
      };
      await deps.numbers.update(tenantId, id, 'numbers.update_started', audit, (latest) => {
        assertSettled(latest);
        if (!sameIntent(latest.providerChange, carried)) {
          throw new AppError('CONFLICT', 'Another change to this number reached its provider meanwhile; retry', { retryable: true }, 1);
        }
        return { ...latest, providerChange: intent };
      });
      marked = true;
      try {
        await provider.update(current.providerNumberId, update);
      } catch (err) {
        // An answer that never came (timeout, reset) may hide a change: the marker stays for the next
        // change to carry. A refusal changed nothing: the marker goes, a carried one with it (were it
        // kept, a change the provider refuses would be sent again with every later change, and fail
        // each of them); that one is logged instead.
        if (!(err instanceof ProviderError && err.ambiguous)) {
          if (carried) deps.log.error('dropping an unrecorded provider change the provider refused to repeat', { numberId: id, carried, err });
          await deps.numbers
            .update(tenantId, id, 'numbers.update_refused', audit, (latest) => {
              if (latest.providerChange?.requestId !== intent.requestId) return latest;
              const { providerChange: _mine, ...rest } = latest;
              return rest;
            })
            .catch((e: unknown) => deps.log.warn('could not remove a refused change’s marker; the next change carries it', { numberId: id, err: e }));
        }
        throw err;
      }
    }
    const settles = new Set([audit.requestId, ...(carried ? [carried.requestId] : [])]);
    try {
      return await deps.numbers.update(tenantId, id, 'numbers.update', audit, (latest) => {
        assertSettled(latest);
        if (changes.status) assertTransition(latest.status, changes.status);
        const next: NumberRecord = { ...latest, updatedAt: deps.now().toISOString() };
        if (next.providerChange && settles.has(next.providerChange.requestId)) delete next.providerChange;
        for (const key of ['displayName', ...urlFields, 'assignedTo', 'applicationId'] as const) {
          const value = changes[key];
          if (value === null) delete next[key];
          else if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
        }
        if (changes.locationId === null) {
          delete next.locationId;
          delete next.locationName;
        } else if (location) {
          next.locationId = location.id;
          next.locationName = location.name;
        }
        if (changes.purpose) next.purpose = changes.purpose;
        if (vapiOnly.length && next.vapi) {
          const vapi = { ...next.vapi };
          for (const key of vapiOnly) {
            const value = changes[key];
            if (value === null) delete vapi[key];
            else if (value !== undefined) vapi[key] = value;
          }
          next.vapi = vapi;
        }
        if (changes.tags) next.tags = [...new Set(changes.tags)];
        if (changes.smsEnabled !== undefined) next.smsEnabled = changes.smsEnabled;
        if (changes.voiceEnabled !== undefined) next.voiceEnabled = changes.voiceEnabled;
        if (changes.status) next.status = changes.status;
        if (activeRouting === null) delete next.activeRouting;
        else if (activeRouting) next.activeRouting = activeRouting;
        return next;
      }, location ? async (tx, _firestore, _before, after) => {
        // The location again, in this transaction: one deleted meanwhile is not given to the number
        // (deleteLocation's transaction sees the numbers committed before it), and one renamed
        // meanwhile lends its new name (the rename's pass over its numbers may have run already).
        const current = await locations.getIn(tx, tenantId, location.id);
        if (!current) throw new AppError('NOT_FOUND', 'Location not found', { issues: [{ path: 'body.locationId', message: 'no such location in this tenant' }] });
        after.locationName = current.name;
      } : undefined);
    } catch (err) {
      if (!marked || err instanceof AppError) throw err;
      // The provider has the change and the number's marker says so; only our copy is behind.
      deps.log.error('the provider has a number’s change but recording it failed; the next change carries it', { numberId: id, err });
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'The provider has this change but it could not be recorded yet; send the same request again',
        { retryable: true, numberId: id },
        2,
      );
    }
  };
}

const sameIntent = (a: ProviderChangeIntent | undefined, b: ProviderChangeIntent | undefined) =>
  a?.requestId === b?.requestId && a?.startedAt === b?.startedAt;

export function releaseNumber(deps: ManageDeps) {
  return async (
    tenantId: string,
    ref: string | NumberRecord,
    options: {
      reason?: string;
      force: boolean;
      /** a bulk job's id */
      deferUsage?: string;
      /** A bulk item's goal is a released number, so one already released (by an earlier call, or a
       *  concurrent item for the same number) is its result, not a conflict. */
      releasedIsDone?: boolean;
      /** A detached number (its account was removed): drop it from our records without the provider. */
      recordsOnly?: boolean;
    },
    audit: AuditContext,
  ): Promise<NumberRecord> => {
    const current = await numberToChange(deps, tenantId, ref);
    const { id } = current;
    if (options.releasedIsDone && current.status === 'released') return current;
    assertSettled(current);
    const agents = [current.agentId, ...(current.outboundAgentIds ?? [])].filter(Boolean) as string[];
    if (agents.length && !options.force) {
      throw new AppError('CONFLICT', 'An agent uses this number; detach it first or release with ?force=true (which clears the agents’ references)', {
        ...(current.agentId ? { agentId: current.agentId } : {}),
        ...(current.outboundAgentIds?.length ? { outboundAgentIds: current.outboundAgentIds } : {}),
      });
    }
    let statusReason: string | undefined;
    if (options.recordsOnly) {
      const attached = current.accountId === PLATFORM_ACCOUNT_ID || !!(await providerAccountsCollection(deps.db).get(tenantId, current.accountId));
      if (attached) {
        throw new AppError('VALIDATION_ERROR', `recordsOnly is only for numbers whose provider account was removed; this one is released at ${current.provider} as usual (leave recordsOnly out)`, {
          issues: [{ path: 'query.recordsOnly', message: 'the number’s account is attached' }],
        });
      }
      statusReason = `Released from our records only: its ${current.provider} account (${current.accountId}) was removed, so ${current.provider} still holds and bills ${current.phoneNumber} until it is released there`;
    } else if (current.providerNumberId) {
      const provider = await providerFor(deps, current, 'release');
      await provider.release(current.providerNumberId); // 404 at the provider counts as released
    }
    const now = deps.now().toISOString();
    return deps.numbers.update(
      tenantId,
      id,
      options.recordsOnly ? 'numbers.release_records_only' : 'numbers.release',
      audit,
      (latest) => {
        if (latest.status === 'released') return latest; // a concurrent release got there first
        assertTransition(latest.status, 'released');
        const { agentId: _agent, outboundAgentIds: _callers, providerChange: _change, ...rest } = latest;
        return {
          ...rest,
          status: 'released',
          smsEnabled: false,
          voiceEnabled: false,
          releasedAt: now,
          updatedAt: now,
          ...(options.reason ? { releaseReason: options.reason } : {}),
          ...(statusReason ? { statusReason } : {}),
        };
      },
      (tx, firestore, before) => detachNumberFromAgent(tx, firestore, before, audit, now),
      options.deferUsage ? { deferUsage: options.deferUsage } : {},
    );
  };
}
