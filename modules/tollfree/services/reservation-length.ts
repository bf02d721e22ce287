import { registryNow, type Deps } from '../../../shared/deps.js';
import { DAY_MS } from '../../../shared/domain/tollfree-lifecycle.js';
import { callContext } from './platform.js';

/**
 * Reservations shorter than the tariff's 45 days. Search-and-reserve takes no end date (C: its bodies
 * carry qty, npa, conName, conTel, shrtNotes), so each number it reserved is then updated with
 * `resUntilDt` (C: PUT /num/tfn/update; G: the value is a date, YYYY-MM-DD, the reservation lasting
 * to the end of that day UTC). The answer maps each shortened number to its new reservedUntil; a
 * number the registry would not shorten (an error, a 202) is left out and keeps the full 45 days — the
 * registry still holds it that long, so that is what we record.
 */
export async function shortenReservations(
  deps: Pick<Deps, 'somos' | 'config' | 'log'>,
  respOrgId: string,
  numbers: string[],
  days: number,
): Promise<Record<string, string>> {
  const { registry } = await deps.somos();
  const ctx = callContext({ respOrgId });
  const day = new Date(registryNow(deps.config).getTime() + days * DAY_MS).toISOString().slice(0, 10);
  const until: Record<string, string> = {};
  for (const num of [...new Set(numbers)]) {
    try {
      const found = await registry.query(ctx, num);
      if (found.pending || !found.data.recVersionId) throw new Error('the registry query gave no recVersionId');
      const updated = await registry.updateReservation(ctx, num, { recVersionId: found.data.recVersionId, reservedUntil: day });
      if (updated.pending) throw new Error('the registry is still working on the update (202)');
      until[num] = `${day}T23:59:59.000Z`;
    } catch (err) {
      deps.log.warn('a toll-free reservation could not be shortened; it keeps the tariff’s 45 days', { respOrgId, num, days, err });
    }
  }
  return until;
}
