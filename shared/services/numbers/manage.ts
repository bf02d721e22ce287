import type { z } from 'zod';
import type { UpdateNumberBody } from '../../api/schemas.js';
import type { Deps } from '../../deps.js';
import { assertTransition, type NumberRecord } from '../../domain/number.js';
import { AppError } from '../../http/errors.js';
import type { UpdateRequest } from '../../providers/types.js';

type Changes = z.infer<typeof UpdateNumberBody>;

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
    throw new AppError('CONFLICT', 'This number is in error and cannot be changed', { status: record.status });
  }
}

/** What the provider must be told for a change; local-only fields (tags, status) need no call. */
export function providerChanges(current: NumberRecord, changes: Changes): UpdateRequest | undefined {
  const update: UpdateRequest = {};
  if (changes.displayName !== undefined && changes.displayName !== (current.displayName ?? null)) {
    update.label = changes.displayName ?? current.friendlyName;
  }
  const webhook = changes.webhookUrl !== undefined ? changes.webhookUrl ?? undefined : current.webhookUrl;
  const sms = changes.smsEnabled ?? current.smsEnabled;
  const voice = changes.voiceEnabled ?? current.voiceEnabled;
  const routingChanged =
    changes.webhookUrl !== undefined || changes.smsEnabled !== undefined || changes.voiceEnabled !== undefined;
  if (routingChanged) {
    update.smsUrl = sms && webhook ? webhook : null;
    update.voiceUrl = voice && webhook ? webhook : null;
  }
  return Object.keys(update).length ? update : undefined;
}

export function updateNumber(deps: Pick<Deps, 'numbers' | 'providers' | 'now'>) {
  return async (tenantId: string, id: string, changes: Changes): Promise<NumberRecord> => {
    const current = await deps.numbers.require(tenantId, id);
    assertSettled(current);
    if (changes.status) assertTransition(current.status, changes.status);
    if (changes.smsEnabled && !current.capabilities.sms) {
      throw new AppError('VALIDATION_ERROR', 'This number cannot send or receive SMS', { issues: [{ path: 'body.smsEnabled', message: 'not supported by this number' }] });
    }
    if (changes.voiceEnabled && !current.capabilities.voice) {
      throw new AppError('VALIDATION_ERROR', 'This number has no voice capability', { issues: [{ path: 'body.voiceEnabled', message: 'not supported by this number' }] });
    }
    const update = providerChanges(current, changes);
    if (update && current.providerNumberId) {
      const provider = await deps.providers.forAccount(tenantId, current.provider as 'twilio', current.accountId);
      await provider.update(current.providerNumberId, update);
    }
    return deps.numbers.update(tenantId, id, (latest) => {
      assertSettled(latest);
      if (changes.status) assertTransition(latest.status, changes.status);
      const next: NumberRecord = { ...latest, updatedAt: deps.now().toISOString() };
      if (changes.displayName === null) delete next.displayName;
      else if (changes.displayName !== undefined) next.displayName = changes.displayName;
      if (changes.webhookUrl === null) delete next.webhookUrl;
      else if (changes.webhookUrl !== undefined) next.webhookUrl = changes.webhookUrl;
      if (changes.tags) next.tags = [...new Set(changes.tags)];
      if (changes.smsEnabled !== undefined) next.smsEnabled = changes.smsEnabled;
      if (changes.voiceEnabled !== undefined) next.voiceEnabled = changes.voiceEnabled;
      if (changes.status) next.status = changes.status;
      return next;
    });
  };
}

export function releaseNumber(deps: Pick<Deps, 'numbers' | 'providers' | 'now'>) {
  return async (tenantId: string, id: string, reason: string | undefined): Promise<NumberRecord> => {
    const current = await deps.numbers.require(tenantId, id);
    assertSettled(current);
    if (current.providerNumberId) {
      const provider = await deps.providers.forAccount(tenantId, current.provider as 'twilio', current.accountId);
      await provider.release(current.providerNumberId); // 404 at the provider counts as released
    }
    return deps.numbers.update(tenantId, id, (latest) => {
      if (latest.status === 'released') return latest; // a concurrent release got there first
      assertTransition(latest.status, 'released');
      const now = deps.now().toISOString();
      return {
        ...latest,
        status: 'released',
        smsEnabled: false,
        voiceEnabled: false,
        releasedAt: now,
        updatedAt: now,
        ...(reason ? { releaseReason: reason } : {}),
      };
    });
  };
}
