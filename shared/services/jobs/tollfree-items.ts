import type { AuditContext } from '../../domain/audit.js';
import type { JobItemRecord } from '../../domain/job.js';
import { AppError } from '../../http/errors.js';
import { activateNumber, changeRouting, getNumber as getTollFree, reserveNumbers } from '../tollfree/numbers.js';
import { requestTextEnablement } from '../tollfree/sms.js';
import type { JobBasics, JobDeps } from './jobs.js';

/** The one registry operation of a toll-free job item (Somos), through the single-number services. */
export async function performTollFreeItem(deps: JobDeps, job: JobBasics, item: JobItemRecord, audit: AuditContext): Promise<Record<string, unknown>> {
  switch (job.type) {
    case 'tollfree-reserve': {
      const input = item.input as { number: string; contactName: string; contactPhone: string; notes?: string };
      const existing = await getTollFree(deps, job.tenantId, input.number);
      if (existing && ['reserved', 'active', 'transferring'].includes(existing.status)) return { number: input.number, status: existing.status };
      const result = await reserveNumbers(deps)(job.tenantId, { spec: { numbers: [input.number] }, contactName: input.contactName, contactPhone: input.contactPhone, ...(input.notes ? { notes: input.notes } : {}) }, audit);
      if ('failed' in result && result.failed.length) throw new AppError('CONFLICT', `Not reserved: ${result.failed[0]!.reason}`, { number: input.number, retryable: false });
      return tollFreeOutcome(input.number, result);
    }
    case 'tollfree-activate': {
      const input = item.input as { number: string; routing: unknown };
      const existing = await getTollFree(deps, job.tenantId, input.number);
      if (existing?.status === 'active') return { number: input.number, status: 'active' };
      return tollFreeOutcome(input.number, await activateNumber(deps)(job.tenantId, input.number, { routing: input.routing }, audit));
    }
    case 'tollfree-routing': {
      const input = item.input as { number: string; routing: unknown; effectiveAt?: string };
      return tollFreeOutcome(
        input.number,
        await changeRouting(deps)(job.tenantId, input.number, { routing: input.routing, ...(input.effectiveAt ? { effectiveAt: input.effectiveAt } : {}) }, audit),
      );
    }
    case 'tollfree-sms': {
      const input = item.input as { number: string; sms: boolean; mms: boolean; webhookUrl?: string };
      const existing = await getTollFree(deps, job.tenantId, input.number);
      if (existing?.sms && existing.sms.status !== 'rejected' && existing.sms.sms === input.sms && existing.sms.mms === input.mms) {
        return { number: input.number, sms: existing.sms.status };
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
  const r = result as { status?: string; requestId?: string; data?: { status?: string }[] };
  if (r.status === 'pending' && r.requestId) return { number, pending: true, requestId: r.requestId };
  return { number, status: r.status ?? r.data?.[0]?.status ?? 'done' };
}
