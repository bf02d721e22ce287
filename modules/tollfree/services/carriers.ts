import { z } from 'zod';
import type { Ports } from '../../../shared/ports.js';
import { AppError } from '../../../shared/http/errors.js';
import { paths } from '../../../shared/store/firestore.js';

/**
 * The carriers of a toll-free number's customer record: the interLATA and intraLATA carrier
 * identification codes (CIC, 4 digits) the registry routes its calls through. The registry refuses
 * a customer record without them (the CR fields interLATACarrier[] / intraLATACarrier[] are C; the
 * refusal and its error are our reading: public test suites always send them, e.g. "0555").
 *
 * Where they come from, first found wins: the request's `carriers`, the tenant's setting
 * (tenants/{id}.tollfreeCarriers, PATCH /v1/tenant/settings), the deployment's SOMOS_DEFAULT_CARRIERS
 * (both lists). None → 400 naming body.carriers.
 */
export const CIC_PATTERN = /^\d{4}$/;
export const Cic = z.string().regex(CIC_PATTERN, 'must be a carrier identification code: 4 digits (e.g. 0555)');
const CicList = z
  .array(Cic)
  .min(1, 'name at least one carrier')
  .max(10, 'at most 10 carriers')
  .refine((list) => new Set(list).size === list.length, 'lists a carrier twice');
export const CarriersSchema = z
  .object({
    interLATA: CicList.meta({ description: 'InterLATA carriers (CIC, 4 digits)', example: ['0555'] }),
    intraLATA: CicList.meta({ description: 'IntraLATA carriers (CIC, 4 digits)', example: ['0555'] }),
  })
  .strict();
export type Carriers = z.infer<typeof CarriersSchema>;

export type CarriersSource = 'request' | 'tenant' | 'default';

/** The tenant's own carriers (undefined when unset or not valid). */
export async function tenantCarriers(deps: Pick<Ports, 'db'>, tenantId: string): Promise<Carriers | undefined> {
  const snap = await (await deps.db()).doc(paths.tenant(tenantId)).get();
  const parsed = CarriersSchema.safeParse(snap.get('tollfreeCarriers'));
  return parsed.success ? parsed.data : undefined;
}

/** SOMOS_DEFAULT_CARRIERS as both lists. */
export function defaultCarriers(config: Pick<Ports['config'], 'SOMOS_DEFAULT_CARRIERS'>): Carriers | undefined {
  const list = config.SOMOS_DEFAULT_CARRIERS?.split(',').filter((c) => CIC_PATTERN.test(c));
  return list?.length ? { interLATA: list, intraLATA: [...list] } : undefined;
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
