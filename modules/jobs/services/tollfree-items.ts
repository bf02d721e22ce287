import type { AuditContext } from '../../../shared/domain/audit.js';
import type { ItemSettlement, JobItemOrigin, JobItemRecord } from '../../../shared/domain/job.js';
import { AppError } from '../../../shared/http/errors.js';
import { parseRouting } from '../../../shared/providers/somos/routing-model.js';
import type { Carriers } from '../../../shared/domain/carriers.js';
import { tenantSomos } from '../../tollfree/index.js';
import {
  activateNumber,
  adoptLostActivation,
  adoptLostReservation,
  changeRouting,
  getNumber as getTollFree,
  reserveNumbers,
  routingAlreadyApplied,
  routingIssuePath,
  validateRouting,
} from '../../tollfree/index.js';
import { followUpRequest, jobItemOutcome, pendingAnswer, pendingRequestOf, tollfreeRequests } from '../../tollfree/index.js';
import { requestTextEnablement } from '../../tollfree/index.js';
import type { ItemRef, JobBasics, JobDeps } from './job-model.js';

/**
 * The one registry operation of a toll-free job item (Somos), through the single-number services.
 * A delivery after the first (attempts > 0) may follow one whose registry call took effect without
 * our hearing of it, so it looks before it acts: a request of its own still pending at the registry
 * (202) is waited for, and a reservation or customer record the registry already holds is adopted.
 * A 202 answer leaves the item waiting (runItem); the request's follow-up settles it.
 */
export async function performTollFreeItem(deps: JobDeps, job: JobBasics, item: JobItemRecord, audit: AuditContext): Promise<Record<string, unknown>> {
  const origin: JobItemOrigin = { jobId: job.id, itemId: item.id };
  const retried = item.attempts > 0;
  if (retried && job.type !== 'tollfree-sms') {
    const pending = await pendingRequestOf(deps, job.tenantId, origin);
    if (pending) return tollFreeOutcome(String(item.input.number), pendingAnswer(pending));
  }
  switch (job.type) {
    case 'tollfree-reserve': {
      const input = item.input as { number: string; contactName: string; contactPhone: string; notes?: string; reservationDays?: number };
      const existing = await getTollFree(deps, job.tenantId, input.number);
      if (existing && ['reserved', 'active', 'transferring'].includes(existing.status)) return { number: input.number, status: existing.status };
      const contact = { contactName: input.contactName, contactPhone: input.contactPhone, ...(input.notes ? { notes: input.notes } : {}) };
      const adopted = retried ? await adoptLostReservation(deps, job.tenantId, { num: input.number, ...contact }, audit) : undefined;
      const days = input.reservationDays !== undefined ? { days: input.reservationDays } : {};
      const result = adopted ?? (await reserveNumbers(deps)(job.tenantId, { spec: { numbers: [input.number] }, ...contact, ...days }, audit, origin));
      if ('failed' in result && result.failed.length) throw new AppError('CONFLICT', `Not reserved: ${result.failed[0]!.reason}`, { number: input.number, retryable: false });
      return tollFreeOutcome(input.number, result);
    }
    case 'tollfree-activate': {
      const input = item.input as { number: string; routing: unknown; carriers?: Carriers };
      const existing = await getTollFree(deps, job.tenantId, input.number);
      if (existing?.status === 'active') {
        if (routingAlreadyApplied(deps, existing, { routing: input.routing })) return { number: input.number, status: 'active' };
        throw new AppError('CONFLICT', 'This number is already active with other routing; change it with a tollfree-routing job', { number: input.number, retryable: false });
      }
      const adopted = retried && existing ? await adoptLostActivation(deps, existing, { routing: input.routing }, audit) : undefined;
      if (adopted) return { number: input.number, status: adopted.status };
      const carriers = input.carriers ? { carriers: input.carriers } : {};
      return tollFreeOutcome(input.number, await activateNumber(deps)(job.tenantId, input.number, { routing: input.routing, ...carriers }, audit, origin));
    }
    case 'tollfree-routing': {
      const input = item.input as { number: string; routing: unknown; effectiveAt?: string; carriers?: Carriers };
      const routing = { routing: input.routing, ...(input.effectiveAt ? { effectiveAt: input.effectiveAt } : {}), ...(input.carriers ? { carriers: input.carriers } : {}) };
      if (retried) {
        // An update whose answer was lost is not sent again once our record shows it.
        const existing = await getTollFree(deps, job.tenantId, input.number);
        if (existing && routingAlreadyApplied(deps, existing, routing)) return { number: input.number, status: existing.status };
      }
      return tollFreeOutcome(input.number, await changeRouting(deps)(job.tenantId, input.number, routing, audit, origin));
    }
    case 'tollfree-sms': {
      const input = item.input as { number: string; sms: boolean; mms: boolean; webhookUrl?: string };
      const existing = await getTollFree(deps, job.tenantId, input.number);
      const asked = existing?.sms;
      if (asked && asked.status !== 'rejected' && asked.status !== 'disabled' && asked.sms === input.sms && asked.mms === input.mms && asked.webhookUrl === input.webhookUrl) {
        return { number: input.number, sms: asked.status };
      }
      const view = await requestTextEnablement(deps)(job.tenantId, input.number, { sms: input.sms, mms: input.mms, ...(input.webhookUrl ? { webhookUrl: input.webhookUrl } : {}) }, audit);
      return { number: input.number, sms: view.status };
    }
    default:
      throw new AppError('VALIDATION_ERROR', `${job.type} is not a toll-free job type`, { retryable: false });
  }
}

/** A registry answer for an item: done now, or accepted and finishing through a 202 follow-up. */
function tollFreeOutcome(number: string, result: unknown): Record<string, unknown> {
  const r = result as { status?: string; requestId?: string; poll?: string; data?: { status?: string }[] };
  if (r.status === 'pending' && r.requestId) return { number, pending: true, requestId: r.requestId, ...(r.poll ? { poll: r.poll } : {}) };
  return { number, status: r.status ?? r.data?.[0]?.status ?? 'done' };
}

type ItemIssue = { path: string; message: string };

/** `body.routing.timeOfDay.0.start` (the single endpoint's path) → `items[3].routing.timeOfDay.0.start`. */
const itemPath = (index: number, path: string) => `items[${index}]${path.replace(/^body/, '')}`;

/**
 * The routing of tollfree-activate / tollfree-routing items, checked at job creation with the single
 * endpoints' validation (validateRouting: every routing rule, effectiveAt, the registry mapping), so an
 * invalid item is reported with the job's other invalid items instead of failing when it runs.
 * A platform setting missing (SOMOS_SIP_GATEWAY_NUMBER) is not the item's fault: it still fails when it runs.
 */
export async function routingItemIssues(
  deps: Pick<JobDeps, 'db' | 'config' | 'now'>,
  tenantId: string,
  items: readonly { index: number; input: Record<string, unknown> }[],
): Promise<{ index: number; issues: ItemIssue[] }[]> {
  // The tenant's RespOrg is part of the registry mapping; without one the items fail when they run (503), as the single endpoint does.
  const respOrgId = await tenantSomos(deps, tenantId).then(
    (s) => s.respOrgId,
    () => undefined,
  );
  const now = deps.now();
  const out: { index: number; issues: ItemIssue[] }[] = [];
  for (const { index, input } of items) {
    const routing = { routing: input.routing, ...(typeof input.effectiveAt === 'string' ? { effectiveAt: input.effectiveAt } : {}) };
    if (!respOrgId) {
      const parsed = parseRouting(input.routing);
      if (!parsed.success) out.push({ index, issues: parsed.errors.map((e) => ({ path: itemPath(index, routingIssuePath(e.field)), message: e.message })) });
      continue;
    }
    try {
      validateRouting(deps.config, String(input.number), respOrgId, routing, now);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'VALIDATION_ERROR') continue;
      const issues = Array.isArray(err.details?.issues) ? (err.details.issues as ItemIssue[]) : [{ path: 'body.routing', message: err.message }];
      out.push({ index, issues: issues.map((i) => ({ path: itemPath(index, String(i.path)), message: String(i.message) })) });
    }
  }
  return out;
}

/**
 * A waiting toll-free item's registry request, looked at once (followed up first while pending): the
 * item's outcome once the request has ended, else undefined.
 */
export async function lookAtTollFreeRequest(deps: JobDeps, ref: ItemRef, requestId: string, audit: AuditContext): Promise<ItemSettlement | undefined> {
  const requests = tollfreeRequests(deps.db);
  let request = await requests.get(ref.tenantId, requestId);
  if (request?.status === 'pending') {
    await followUpRequest(deps)(ref.tenantId, requestId, request.attempts, audit);
    request = await requests.get(ref.tenantId, requestId);
  }
  if (!request) return { state: 'failed', error: { code: 'INTERNAL', message: 'The registry request this item waited for is gone', retryable: false } };
  return request.status !== 'pending' ? jobItemOutcome(request) : undefined;
}
