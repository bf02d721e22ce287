import type { Routing } from '../../../shared/providers/somos/routing.js';
import { AppError } from '../../../shared/http/errors.js';

/**
 * A toll-free number routed to itself loops at the registry's first lookup: every destination
 * (primary, disaster, time-of-day, percentage) must differ from the number. The field as
 * parseRouting names it (`primary.destination`, `timeOfDay[0].destination`), or undefined.
 */
export function selfDestinationField(num: string, routing: Routing): string | undefined {
  const self = `+1${num}`;
  if (routing.primary.destination === self) return 'primary.destination';
  if (routing.disaster?.destination === self) return 'disaster.destination';
  const tod = routing.timeOfDay?.findIndex((r) => r.destination === self) ?? -1;
  if (tod >= 0) return `timeOfDay[${tod}].destination`;
  const pct = routing.percentage?.findIndex((r) => r.destination === self) ?? -1;
  if (pct >= 0) return `percentage[${pct}].destination`;
  return undefined;
}

/** 400 naming the field (as the API names it: `issuePath` converts parseRouting's field). */
export function assertNotSelfRouted(num: string, routing: Routing, issuePath: (field: string) => string): void {
  const field = selfDestinationField(num, routing);
  if (!field) return;
  const path = issuePath(field);
  throw new AppError('VALIDATION_ERROR', `Invalid ${path}: must not be the toll-free number itself`, {
    issues: [{ path, field, message: 'must not be the toll-free number itself' }],
  });
}
