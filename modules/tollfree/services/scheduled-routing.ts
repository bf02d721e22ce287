import { z } from 'zod';
import { routingSchema } from '../../../shared/providers/somos/routing.js';

/** A future-dated routing version kept on the number (routing-versions.ts), as stored and as the API shows it. */
export const ScheduledRoutingSchema = z.object({
  id: z.string(),
  routing: routingSchema,
  mode: z.enum(['normal', 'disaster']),
  disasterDefaulted: z.boolean(),
  /** When it takes effect (the quarter hour the registry was given). */
  effectiveAt: z.string(),
  /** The registry's effDtTm for the version. */
  effDtTm: z.string(),
  recVersionId: z.string().optional(),
  createdAt: z.string(),
});
export type ScheduledRouting = z.infer<typeof ScheduledRoutingSchema>;

/** A version being withdrawn at the registry (a number's disconnect): what finds it there again. */
export const CancellingRoutingSchema = ScheduledRoutingSchema.pick({ id: true, effectiveAt: true, effDtTm: true, recVersionId: true }).extend({
  /** A version refused when it was written (not a disconnect's): it does not hold the number's other changes. */
  refused: z.literal(true).optional(),
});
export type CancellingRouting = z.infer<typeof CancellingRoutingSchema>;

/** A number's withdrawal intent, parsed (an entry that does not parse is dropped, never trusted). */
export function cancellingOf(record: { cancellingRouting?: unknown }): CancellingRouting[] {
  const list = Array.isArray(record.cancellingRouting) ? (record.cancellingRouting as unknown[]) : [];
  return list.flatMap((entry) => {
    const parsed = CancellingRoutingSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}
