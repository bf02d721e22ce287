import type { Deps } from '../../../shared/deps.js';
import type { Logger } from '../../../shared/log.js';
import type { SomosNumberInfo } from '../../../shared/providers/somos/client.js';
import { ProviderError } from '../../../shared/providers/types.js';
import type { TollFreeRecord } from './numbers.js';
import { callContext } from './platform.js';
import { advances, itemStatusOf, type TransferRecord } from './transfers.js';

/**
 * Somos' notifications carry no signature (only our shared secret), and one wrong "moved to another
 * RespOrg" once orphaned a live number. So a notification is a hint, never the truth: before it
 * changes anything, the registry is asked (the number's query, or the RespOrg change's status).
 * Unconfirmed, it changes nothing; it is logged at WARNING with the reason.
 */
export type Verdict = { confirmed: true; info?: SomosNumberInfo } | { confirmed: false; reason: string };

type CheckDeps = Pick<Deps, 'somos'>;

/** The registry's view of a number, or why it could not be had. */
export async function registryNumber(deps: CheckDeps, respOrgId: string, num: string): Promise<{ info: SomosNumberInfo } | { reason: string }> {
  try {
    const { registry } = await deps.somos();
    const q = await registry.query(callContext({ respOrgId }), num);
    if (q.pending) return { reason: 'the registry query is still pending (202)' };
    return { info: q.data };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return { reason: `the registry query failed (${err.info.httpStatus ?? err.info.kind ?? 'error'}${err.info.providerCode ? ` ${err.info.providerCode}` : ''})` };
  }
}

/** "One of ours moved to newRespOrgId": the registry must show it controlled by another unit (the one named, when it names one). */
export async function confirmMovedOut(deps: CheckDeps, record: TollFreeRecord, newRespOrgId: string): Promise<Verdict> {
  const found = await registryNumber(deps, record.respOrgId, record.id);
  if ('reason' in found) return { confirmed: false, reason: found.reason };
  const ctrl = found.info.respOrgId;
  if (!ctrl) return { confirmed: false, reason: `the registry names no controlling RespOrg (status ${found.info.status})` };
  if (ctrl === record.respOrgId) return { confirmed: false, reason: `the registry still shows the number ${found.info.status} under ${ctrl}` };
  if (ctrl !== newRespOrgId) return { confirmed: false, reason: `the registry shows the number under ${ctrl}, not ${newRespOrgId}` };
  return { confirmed: true, info: found.info };
}

/** A transfer item moved on: the registry's change (by its rchId) must be in the notified state; a completion must also show the number under our unit. */
export async function confirmChange(deps: CheckDeps, transfer: TransferRecord, num: string, notifiedStatus: string): Promise<Verdict> {
  const item = transfer.items.find((i) => i.number === num);
  const to = itemStatusOf(notifiedStatus);
  // Nothing would change (unknown, late or repeated): applyChangeUpdate ignores it or calls it stale.
  if (!item || !to || !advances(item.status, to)) return { confirmed: true };
  if (item.rchId) {
    try {
      const { registry } = await deps.somos();
      const change = await registry.getRespOrgChange(callContext({ respOrgId: transfer.toRespOrgId }), item.rchId);
      if (change.pending) return { confirmed: false, reason: 'the registry change query is still pending (202)' };
      const at = itemStatusOf(change.data.status);
      if (at !== to) return { confirmed: false, reason: `the registry shows change ${item.rchId} as ${change.data.status}, not ${notifiedStatus.toUpperCase()}` };
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      return { confirmed: false, reason: `the registry change query failed (${err.info.httpStatus ?? err.info.kind ?? 'error'})` };
    }
  }
  if (to !== 'completed') return { confirmed: true };
  const found = await registryNumber(deps, transfer.toRespOrgId, num);
  if ('reason' in found) return { confirmed: false, reason: found.reason };
  if (found.info.respOrgId !== transfer.toRespOrgId) {
    return { confirmed: false, reason: `the registry shows the number under ${found.info.respOrgId ?? 'no RespOrg'}, not ${transfer.toRespOrgId}` };
  }
  return { confirmed: true, info: found.info };
}

export function logUnconfirmed(log: Logger, fields: { kind: 'rch' | 'rsv'; eventId: string; number: string; status?: string; reason: string }): void {
  log.warn('somos notification not confirmed by the registry; nothing changed', { ...fields, outcome: 'unconfirmed' });
}
