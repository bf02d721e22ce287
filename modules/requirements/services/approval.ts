import { enqueueTask } from '../../../shared/api/task-targets.js';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, notFound } from '../../../shared/http/errors.js';
import { ProviderError, type NumberType } from '../../../shared/providers/types.js';
import { countryOf } from '../../../shared/domain/phone.js';
import type { TelnyxRequirementGroup } from '../../../shared/providers/telnyx/mapper.js';
import {
  completion,
  groupIdFor,
  listRequirements,
  regulatoryProvider,
  requireEditable,
  requirementGroups,
  type RequirementDeps,
  type RequirementGroupRecord,
} from './requirements.js';

/**
 * A group's approval: submission, the provider's decision (polled, and refreshed on status) with
 * its reasons, and whether numbers can be ordered — approved, or submitted: the provider then
 * holds an ordered number while the group is reviewed, where its country allows (a country that
 * does not answers the order with "not approved", which becomes REQUIREMENTS_INCOMPLETE).
 */

/** The values the provider declined, with its reasons: kept on the group until a new value replaces them. */
function withDecision(current: RequirementGroupRecord, remote: TelnyxRequirementGroup): Pick<RequirementGroupRecord, 'values' | 'statusReason'> {
  const values = { ...current.values };
  for (const v of remote.values) {
    const saved = values[v.requirementId];
    if (!saved) continue;
    const { status: _s, reason: _r, ...rest } = saved;
    values[v.requirementId] = v.status === 'rejected' ? { ...rest, status: 'declined', ...(v.statusReason ? { reason: v.statusReason } : {}) } : rest;
  }
  const declined = Object.values(values).filter((v) => v.status === 'declined' && v.reason);
  const statusReason = remote.status === 'rejected' ? (remote.statusReason ?? (declined.length ? declined.map((v) => v.reason).join('; ') : undefined)) : undefined;
  return { values, ...(statusReason ? { statusReason } : {}) };
}

/** Brings a submitted group's approval status (and the reasons of a decline) up to date from the provider. */
export function refreshGroup(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (record: RequirementGroupRecord, audit: AuditContext): Promise<RequirementGroupRecord> => {
    if (record.status !== 'pending' || !record.providerGroupId) return record;
    const { provider } = await regulatoryProvider(deps, record.tenantId, record.accountId);
    const remote = await provider.getRequirementGroup(record.providerGroupId);
    if (remote.status === record.status) return record;
    return groups.update(record.tenantId, record.id, audit, `requirement_groups.${remote.status}`, (current) => {
      const { statusReason: _old, ...rest } = current;
      return {
        ...rest,
        ...withDecision(current, remote),
        status: remote.status,
        ...(remote.status === 'approved' || remote.status === 'rejected' ? { decidedAt: deps.now().toISOString() } : {}),
        updatedAt: deps.now().toISOString(),
      };
    });
  };
}

export function submitGroup(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (tenantId: string, id: string, audit: AuditContext) => {
    const record = await requireEditable(deps, tenantId, id);
    const progress = completion(record);
    if (!progress.isComplete) {
      throw new AppError('REQUIREMENTS_INCOMPLETE', `${progress.remaining.length} requirement(s) still missing`, { remaining: progress.remaining });
    }
    const declined = Object.entries(record.values).filter(([, v]) => v.status === 'declined');
    if (declined.length > 0) {
      const names = declined.map(([rid]) => record.requirements.find((r) => r.id === rid)?.name ?? rid);
      throw new AppError('REQUIREMENTS_INCOMPLETE', `Replace the declined value(s) first: ${names.join(', ')}`, {
        remaining: declined.map(([rid, v]) => ({ requirementId: rid, name: record.requirements.find((r) => r.id === rid)?.name ?? rid, kind: v.kind })),
      });
    }
    const { provider } = await regulatoryProvider(deps, tenantId, record.accountId);
    const remote = await provider.submitRequirementGroup(record.providerGroupId!);
    const submitted = await groups.update(tenantId, id, audit, 'requirement_groups.submit', (current) => {
      const { statusReason: _old, ...rest } = current;
      return { ...rest, status: remote.status === 'draft' ? 'pending' : remote.status, submittedAt: deps.now().toISOString(), updatedAt: deps.now().toISOString() };
    });
    await schedulePoll(deps, submitted, 0);
    return submitted;
  };
}

/** Approval arrives by polling (Cloud Tasks): every few minutes until decided, for at most a week. */
export const POLL_INTERVAL_MS = 5 * 60 * 1000;
const MAX_POLLS = (7 * 24 * 60 * 60 * 1000) / POLL_INTERVAL_MS;

export async function schedulePoll(deps: Pick<Deps, 'tasks' | 'config' | 'now'>, record: RequirementGroupRecord, attempt: number) {
  if (attempt >= MAX_POLLS) return;
  await enqueueTask(deps, 'pollRequirementGroup', { tenantId: record.tenantId, groupId: record.id, attempt }, {
    scheduleAt: new Date(deps.now().getTime() + POLL_INTERVAL_MS),
    id: `rqg-poll-${record.tenantId}-${record.id}-${attempt}`,
  });
}

/**
 * Numbers can be ordered with this group: approved, or submitted — the provider then holds the
 * number while it reviews, unless it already answered that it does not for this country and type.
 */
export const canOrder = (record: Pick<RequirementGroupRecord, 'status' | 'holdsDuringReview'>) =>
  record.status === 'approved' || (record.status === 'pending' && record.holdsDuringReview !== false);

/** The provider refused an order while this group was reviewed: remember it (until the group is decided). */
export function markNotHeldDuringReview(deps: Pick<Deps, 'db'>) {
  return async (tenantId: string, groupId: string, audit: AuditContext): Promise<void> => {
    await requirementGroups(deps.db).update(tenantId, groupId, audit, 'requirement_groups.not_held_during_review', (current) =>
      current.status === 'pending' ? { ...current, holdsDuringReview: false } : current,
    );
  };
}

/** GET …/status: progress, approval, the provider's reasons per declined value, and whether numbers can be ordered. */
export function groupStatus(record: RequirementGroupRecord) {
  const rejections = Object.entries(record.values)
    .filter(([, v]) => v.status === 'declined')
    .map(([requirementId, v]) => {
      const requirement = record.requirements.find((r) => r.id === requirementId);
      return { requirementId, name: requirement?.name ?? requirementId, kind: requirement?.kind ?? v.kind, ...(v.reason ? { reason: v.reason } : {}) };
    });
  return {
    id: record.id,
    status: record.status,
    ...completion(record),
    ...(record.statusReason ? { statusReason: record.statusReason } : {}),
    rejections,
    canOrder: canOrder(record),
  };
}

/**
 * The purchase precondition: a country/type with ordering requirements needs the tenant's group
 * (the company's, with companyId) approved or under review. REQUIREMENTS_INCOMPLETE says what is
 * missing otherwise; `underReview` tells the caller the provider will hold the number.
 */
export function requireOrderableGroup(deps: RequirementDeps) {
  return async (
    tenantId: string,
    purchase: { country: string; type: NumberType; requirementGroupId?: string; companyId?: string },
    audit: AuditContext,
  ): Promise<{ id: string; providerGroupId: string; underReview: boolean } | undefined> => {
    const { hasRequirements } = await listRequirements(deps)(tenantId, { country: purchase.country, type: purchase.type, action: 'ordering' });
    if (!hasRequirements) return undefined;
    const id = purchase.requirementGroupId ?? groupIdFor(tenantId, purchase.country, purchase.type, 'ordering', purchase.companyId);
    let record = await requirementGroups(deps.db).get(tenantId, id);
    if (purchase.requirementGroupId && !record) throw notFound('Requirement group');
    if (record && (record.country !== purchase.country || record.type !== purchase.type)) {
      throw new AppError('VALIDATION_ERROR', `Requirement group ${id} is for ${record.country} ${record.type} numbers`, {
        issues: [{ path: 'body.requirementGroupId', message: 'country or type does not match the number' }],
      });
    }
    if (record && purchase.companyId !== undefined && record.companyId !== purchase.companyId) {
      throw new AppError('VALIDATION_ERROR', `Requirement group ${id} answers for ${record.companyId ? `company ${record.companyId}` : 'the tenant itself'}, not company ${purchase.companyId}`, {
        issues: [{ path: 'body.requirementGroupId', message: 'the group belongs to another company' }],
      });
    }
    if (record) record = await refreshGroup(deps)(record, audit);
    if (!record || !canOrder(record)) {
      const progress = record ? completion(record) : undefined;
      const status = record ? groupStatus(record) : undefined;
      throw new AppError(
        'REQUIREMENTS_INCOMPLETE',
        !record
          ? `${purchase.country} ${purchase.type} numbers need approved regulatory requirements; create a requirement group first (POST /v1/requirement-groups${purchase.companyId ? ' with this companyId' : ''})`
          : progress && !progress.isComplete
            ? `The requirement group is incomplete: ${progress.remaining.map((r) => r.name).join(', ')}`
            : record.status === 'rejected'
              ? `The requirement group was declined${record.statusReason ? `: ${record.statusReason}` : ''}; replace the declined values and submit it again`
              : record.status === 'pending'
                ? `The provider does not hold ${purchase.country} ${purchase.type} numbers while their requirement group is reviewed; order once it is approved`
                : `The requirement group is ${record.status}; submit it to order numbers`,
        {
          requirementGroupId: record?.id ?? id,
          status: record?.status ?? 'missing',
          ...(record?.status === 'pending' ? { reason: 'approval_required' } : {}),
          remaining: progress?.remaining ?? [],
          ...(status?.rejections.length ? { rejections: status.rejections } : {}),
        },
      );
    }
    return { id: record.id, providerGroupId: record.providerGroupId!, underReview: record.status === 'pending' };
  };
}

/**
 * Ordering with a group under review is offered wherever the provider holds the number during the
 * review; where the country does not, the provider answers "not approved": the caller learns that
 * the group must be approved first, not that the provider failed.
 */
export function notHeldDuringReview(err: unknown, groupId: string, phoneNumber: string): unknown {
  if (!(err instanceof ProviderError) || err.info.kind !== 'invalid_request' || !/not approved|approved requirement group/i.test(err.message)) return err;
  return new AppError('REQUIREMENTS_INCOMPLETE', `${err.provider} does not hold ${countryOf(phoneNumber) ?? ''} numbers while their requirement group is reviewed; order once it is approved`, {
    requirementGroupId: groupId,
    status: 'pending',
    remaining: [],
    reason: 'approval_required',
    provider: err.provider,
    ...(err.info.providerCode ? { providerCode: err.info.providerCode } : {}),
  });
}

