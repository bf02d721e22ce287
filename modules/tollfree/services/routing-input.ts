import { AppError } from '../../../shared/http/errors.js';
import type { Deps } from '../../../shared/deps.js';
import { parseRouting, RoutingMappingError, toCustomerRecord, type Routing } from '../../../shared/providers/somos/routing.js';
import { defaultCarriers, type Carriers } from '../../../shared/domain/carriers.js';
import type { TollFreeRecord } from './number-records.js';
import { assertNotSelfRouted } from './routing-rules.js';

/**
 * A routing request for a toll-free number: its validation (every rule, the default disaster
 * number, the registry mapping) and the customer record it becomes (numbers.ts activates and
 * changes; routing-versions.ts schedules).
 */
/** The routing (as validated for this number) is what the record already holds, from the same effective time. */
export function routingAlreadyApplied(deps: Pick<Deps, 'config' | 'now'>, record: TollFreeRecord, input: RoutingInput): boolean {
  if (record.status !== 'active' || !record.routing || record.pendingRequestId) return false;
  // The effective time is compared, not validated: a change applied for a moment now past is still applied.
  const { effectiveAt, ...rest } = input;
  const valid = validateRouting(deps.config, record.id, record.respOrgId, rest, deps.now());
  const sameTime = effectiveAt === undefined || (record.routingEffectiveAt !== undefined && Date.parse(record.routingEffectiveAt) === Date.parse(effectiveAt));
  return sameTime && (record.routingMode ?? 'normal') === valid.mode && canonical(record.routing) === canonical(valid.routing);
}

/** JSON with sorted keys: the same routing however its fields were ordered. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );


// ---------------------------------------------------------------------------------------------
// Routing: activate (customer record create) and change (customer record update)

export interface RoutingInput {
  routing: unknown;
  /** The customer record's carriers for this write (default: the number's, the tenant's, the platform's). */
  carriers?: Carriers;
  effectiveAt?: string;
  mode?: 'normal' | 'disaster';
}

/** Converts parseRouting's field (`timeOfDay[0].start`) to the API's issue path (`body.routing.timeOfDay.0.start`). */
export const routingIssuePath = (field: string) =>
  field === '(root)' ? 'body.routing' : `body.routing.${field.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '')}`;

export interface ValidRouting {
  routing: Routing;
  disasterDefaulted: boolean;
  mode: 'normal' | 'disaster';
  effectiveAt?: Date;
  /** Resolved carriers (resolveCarriers); absent: the number's own, else the platform's. */
  carriers?: Carriers;
}

/**
 * Every routing rule (400 naming the field), the default disaster number, and the registry mapping
 * (a SIP destination needs SOMOS_SIP_GATEWAY_NUMBER: 503 when the platform lacks it).
 */
export function validateRouting(config: Deps['config'], num: string, respOrgId: string, input: RoutingInput, now: Date): ValidRouting {
  const parsed = parseRouting(input.routing);
  if (!parsed.success) {
    const issues = parsed.errors.map((e) => ({ path: routingIssuePath(e.field), field: e.field, message: e.message }));
    throw new AppError('VALIDATION_ERROR', `Invalid ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  let routing = parsed.data;
  assertNotSelfRouted(num, routing, routingIssuePath);
  let disasterDefaulted = false;
  if (!routing.disaster && config.SOMOS_DEFAULT_DISASTER_NUMBER) {
    routing = { ...routing, disaster: { type: 'pstn', destination: config.SOMOS_DEFAULT_DISASTER_NUMBER } };
    disasterDefaulted = true;
  }
  let effectiveAt: Date | undefined;
  if (input.effectiveAt !== undefined) {
    effectiveAt = new Date(input.effectiveAt);
    if (Number.isNaN(effectiveAt.getTime()) || effectiveAt.getTime() < now.getTime() - 60_000) {
      throw new AppError('VALIDATION_ERROR', 'Invalid body.effectiveAt: must be now or in the future', {
        issues: [{ path: 'body.effectiveAt', message: 'must be now or in the future' }],
      });
    }
  }
  const mode = input.mode ?? 'normal';
  try {
    toCustomerRecord(num, routing, {
      respOrgId,
      mode,
      ...(config.SOMOS_SIP_GATEWAY_NUMBER ? { sipGatewayNumber: config.SOMOS_SIP_GATEWAY_NUMBER } : {}),
      ...(config.SOMOS_DEFAULT_DISASTER_NUMBER ? { defaultDisasterNumber: config.SOMOS_DEFAULT_DISASTER_NUMBER } : {}),
    });
  } catch (err) {
    if (!(err instanceof RoutingMappingError)) throw err;
    if (/sipGatewayNumber/.test(err.message)) {
      // Configuration, not a passing outage: retrying (a bulk item) would not help.
      throw new AppError('SERVICE_UNAVAILABLE', 'SIP destinations need the platform’s SIP gateway number (SOMOS_SIP_GATEWAY_NUMBER), which is not configured', {
        retryable: false,
      });
    }
    const path = err.field === 'respOrgId' ? 'tenant.respOrgId' : routingIssuePath(err.field);
    throw new AppError('VALIDATION_ERROR', `Invalid ${path}: ${err.message.replace(/^[^:]+: /, '')}`, { issues: [{ path, message: err.message }] });
  }
  return { routing, disasterDefaulted, mode, ...(effectiveAt ? { effectiveAt } : {}) };
}

export function customerRecordInput(config: Deps['config'], record: TollFreeRecord, valid: ValidRouting) {
  return {
    num: record.id,
    routing: valid.routing,
    mode: valid.mode,
    ...(valid.effectiveAt ? { effectiveAt: valid.effectiveAt } : {}),
    ...(config.SOMOS_SIP_GATEWAY_NUMBER ? { sipGatewayNumber: config.SOMOS_SIP_GATEWAY_NUMBER } : {}),
    ...(config.SOMOS_DEFAULT_DISASTER_NUMBER ? { defaultDisasterNumber: config.SOMOS_DEFAULT_DISASTER_NUMBER } : {}),
    ...(record.contactName && record.contactPhone ? { contact: { name: record.contactName, phone: record.contactPhone } } : {}),
    ...carriersOf(config, record, valid),
  };
}

/** The carriers a customer record write sends: resolved for the request, else the number's, else the platform's. */
function carriersOf(config: Deps['config'], record: TollFreeRecord, valid: ValidRouting): { carriers?: { interLATA: string[]; intraLATA: string[] } } {
  const carriers = valid.carriers ?? record.carriers ?? defaultCarriers(config);
  return carriers ? { carriers } : {};
}
