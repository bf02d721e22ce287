import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { conflict } from '../../../shared/http/errors.js';
import { textEnablementDueDate, type TextEnablementReason, type TextEnablementStatus } from '../../../shared/providers/somos/tss.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { getNumber, mutateNumber, requireNumber, requireNumberWithOwner, type TollFreeRecord } from './number-records.js';
import { scheduleFollowup } from './requests.js';

/**
 * Text enablement (SMS/MMS) of a toll-free number. It lives in Somos' separate TSS Registry, whose
 * API is not public: the TextEnablementRegistry interface (shared/providers/somos/tss.ts) has only a
 * sandbox implementation. The state machine is ours, in Firestore on the number:
 *   (none) → pending → enabled | rejected;  rejected → pending again on a new request;
 *   pending | enabled → disabled (DELETE …/sms: withdrawn at TSS / text turned off); disabled → pending on a new request.
 * A rejection keeps TSS's reason (`reason: {code, message}`, G: TSS has no public API).
 * The RespOrg has 2 business days to respond (`dueBy`); a Cloud Tasks follow-up polls TSS until a
 * decision, and GET …/sms refreshes a pending state too.
 */
export type { SmsState } from './number-records.js';
import type { SmsState } from './number-records.js';

export interface SmsView {
  number: string;
  status: 'none' | TextEnablementStatus;
  sms?: boolean;
  mms?: boolean;
  webhookUrl?: string;
  tssRequestId?: string;
  submittedAt?: string;
  dueBy?: string;
  decidedAt?: string;
  reason?: TextEnablementReason;
  disabledAt?: string;
  /** Still pending after its 2-business-day window. */
  overdue?: boolean;
}

export const SMS_POLL_INTERVAL_MS = 15 * 60 * 1000;
const MAX_SMS_POLLS = (7 * 24 * 60 * 60 * 1000) / SMS_POLL_INTERVAL_MS;

export function smsView(record: TollFreeRecord, now: Date): SmsView {
  const s = record.sms;
  if (!s) return { number: record.phoneNumber, status: 'none' };
  return {
    number: record.phoneNumber,
    status: s.status,
    sms: s.sms,
    mms: s.mms,
    ...(s.webhookUrl ? { webhookUrl: s.webhookUrl } : {}),
    tssRequestId: s.tssRequestId,
    submittedAt: s.submittedAt,
    dueBy: s.dueBy,
    ...(s.decidedAt ? { decidedAt: s.decidedAt } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.disabledAt ? { disabledAt: s.disabledAt } : {}),
    ...(s.status === 'pending' ? { overdue: now.getTime() > Date.parse(s.dueBy) } : {}),
  };
}

type SmsDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>;

export function requestTextEnablement(deps: SmsDeps) {
  return async (tenantId: string, num: string, input: { sms: boolean; mms: boolean; webhookUrl?: string }, audit: AuditContext): Promise<SmsView> => {
    const { record, assertOwned } = await requireNumberWithOwner(deps, tenantId, num);
    if (record.status !== 'active' && record.status !== 'reserved') {
      throw conflict(`Only a reserved or active number can be text-enabled; this one is ${record.status}`, { status: record.status });
    }
    await assertOwned();
    const current = record.sms;
    if (current?.status === 'pending') throw conflict('A text-enablement request for this number is still pending', { dueBy: current.dueBy });
    if (current?.status === 'enabled' && current.sms === input.sms && current.mms === input.mms && current.webhookUrl === input.webhookUrl) {
      return smsView(record, deps.now());
    }
    const somos = await deps.somos();
    // The tenant's webhookUrl is NOT passed on: TSS would call it with the platform's notification secret.
    const submitted = await somos.tss(record.respOrgId).request(num, { sms: input.sms, mms: input.mms });
    const now = deps.now();
    const state: SmsState = {
      status: 'pending',
      sms: input.sms,
      mms: input.mms,
      ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}),
      tssRequestId: submitted.requestId,
      submittedAt: now.toISOString(),
      dueBy: textEnablementDueDate(now).toISOString(),
    };
    const written = await mutateNumber(deps, tenantId, num, audit, 'tollfree.sms_request', (before) => {
      if (before.sms?.status === 'pending' && before.sms.tssRequestId !== state.tssRequestId) {
        throw conflict('A text-enablement request for this number is still pending', { dueBy: before.sms.dueBy });
      }
      return { ...before, sms: state, updatedAt: now.toISOString() };
    });
    await scheduleFollowup(deps, { kind: 'sms', tenantId, number: num, attempt: 0 }, SMS_POLL_INTERVAL_MS);
    return smsView(written, now);
  };
}

/** Asks TSS about a pending request and records a decision (audited). Unchanged states are not written. */
export async function refreshTextEnablement(deps: SmsDeps, record: TollFreeRecord, audit: AuditContext): Promise<TollFreeRecord> {
  const pending = record.sms;
  if (pending?.status !== 'pending') return record;
  const somos = await deps.somos();
  const { status, reason } = await somos.tss(record.respOrgId).status(pending.tssRequestId);
  if (status === 'pending') return record;
  const now = deps.now().toISOString();
  return mutateNumber(deps, record.tenantId, record.id, audit, `tollfree.sms_${status}`, (before) =>
    before.sms?.status === 'pending' && before.sms.tssRequestId === pending.tssRequestId
      ? { ...before, sms: { ...before.sms, status, ...(reason ? { reason } : {}), decidedAt: now, lastCheckedAt: now }, updatedAt: now }
      : undefined,
  );
}

export function textEnablementStatus(deps: SmsDeps) {
  return async (tenantId: string, num: string, audit: AuditContext): Promise<SmsView> => {
    let record = await requireNumber(deps, tenantId, num);
    try {
      record = await refreshTextEnablement(deps, record, audit);
    } catch (err) {
      // A read must not fail because TSS is slow: the stored state is still the truth we have.
      if (!(err instanceof ProviderError)) throw err;
    }
    return smsView(record, deps.now());
  };
}

/** The Cloud Tasks follow-up: polls until decided (every 15 minutes, for at most a week). */
export function pollTextEnablement(deps: SmsDeps) {
  return async (tenantId: string, num: string, attempt: number, audit: AuditContext): Promise<{ status: string; polledAgain: boolean }> => {
    const record = await getNumber(deps, tenantId, num);
    if (!record?.sms) return { status: 'none', polledAgain: false };
    const fresh = await refreshTextEnablement(deps, record, audit);
    const again = fresh.sms?.status === 'pending' && attempt + 1 < MAX_SMS_POLLS;
    if (again) await scheduleFollowup(deps, { kind: 'sms', tenantId, number: num, attempt: attempt + 1 }, SMS_POLL_INTERVAL_MS);
    return { status: fresh.sms!.status, polledAgain: again };
  };
}

/**
 * Turns text off again (DELETE /v1/tollfree/{number}/sms): a pending request is withdrawn at TSS, an
 * enabled number is disabled there. Nothing to turn off (none, rejected, disabled) answers the state as
 * it is, without calling TSS.
 */
export function disableTextEnablement(deps: SmsDeps) {
  return async (tenantId: string, num: string, audit: AuditContext): Promise<SmsView> => {
    const { record, assertOwned } = await requireNumberWithOwner(deps, tenantId, num);
    const current = record.sms;
    if (!current || (current.status !== 'pending' && current.status !== 'enabled')) return smsView(record, deps.now());
    await assertOwned();
    const somos = await deps.somos();
    await somos.tss(record.respOrgId).disable(current.tssRequestId);
    const now = deps.now().toISOString();
    const written = await mutateNumber(deps, tenantId, num, audit, 'tollfree.sms_disabled', (before) =>
      before.sms?.tssRequestId === current.tssRequestId && before.sms.status !== 'disabled'
        ? { ...before, sms: { ...before.sms, status: 'disabled', disabledAt: now, lastCheckedAt: now }, updatedAt: now }
        : undefined,
    );
    return smsView(written, deps.now());
  };
}
