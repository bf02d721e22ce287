import type { Ports } from '../../../shared/ports.js';
import { AppError } from '../../../shared/http/errors.js';
import { tenantTollFreeSettings } from '../repository/tenant-settings.js';
import { CarriersSchema, defaultCarriers, type Carriers } from '../../../shared/domain/carriers.js';

/** Carriers of a customer record: the schema and the deployment's default are shared/domain/carriers.ts; where one write's come from is here. */
export type CarriersSource = 'request' | 'tenant' | 'default';

/** The tenant's own carriers (undefined when unset or not valid). */
export async function tenantCarriers(deps: Pick<Ports, 'db'>, tenantId: string): Promise<Carriers | undefined> {
  const parsed = CarriersSchema.safeParse((await tenantTollFreeSettings(deps, tenantId)).tollfreeCarriers);
  return parsed.success ? parsed.data : undefined;
}

/** The carriers for one customer record write, with where they came from; 400 when there are none. */
export async function resolveCarriers(
  deps: Pick<Ports, 'db' | 'config'>,
  tenantId: string,
  override: Carriers | undefined,
): Promise<{ carriers: Carriers; source: CarriersSource }> {
  if (override) return { carriers: override, source: 'request' };
  const own = await tenantCarriers(deps, tenantId);
  if (own) return { carriers: own, source: 'tenant' };
  const fallback = defaultCarriers(deps.config);
  if (fallback) return { carriers: fallback, source: 'default' };
  throw new AppError(
    'VALIDATION_ERROR',
    'Invalid body.carriers: the registry needs the customer record’s interLATA and intraLATA carriers (CIC, 4 digits) — pass carriers, or set tollfreeCarriers with PATCH /v1/tenant/settings',
    { issues: [{ path: 'body.carriers', message: 'required: no carriers are set for this tenant (tollfreeCarriers) nor for the platform (SOMOS_DEFAULT_CARRIERS)' }] },
  );
}
