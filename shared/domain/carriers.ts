import { z } from 'zod';
import type { Config } from '../config.js';

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


/** SOMOS_DEFAULT_CARRIERS as both lists. */
export function defaultCarriers(config: Pick<Config, 'SOMOS_DEFAULT_CARRIERS'>): Carriers | undefined {
  const list = config.SOMOS_DEFAULT_CARRIERS?.split(',').filter((c) => CIC_PATTERN.test(c));
  return list?.length ? { interLATA: list, intraLATA: [...list] } : undefined;
}
