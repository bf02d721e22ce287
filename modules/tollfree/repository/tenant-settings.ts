import { z } from 'zod';
import type { Ports } from '../../../shared/ports.js';
import { paths } from '../../../shared/store/firestore.js';

/**
 * The toll-free fields of the tenant's document (tenants/{t}): its RespOrg unit and entity, and its
 * carriers. Read only; what makes a value usable is decided by the services (platform.ts, carriers.ts).
 */
const TollFreeSettings = z.looseObject({
  respOrgId: z.unknown().optional(),
  somosEntityId: z.unknown().optional(),
  tollfreeCarriers: z.unknown().optional(),
});
export type TollFreeSettings = z.infer<typeof TollFreeSettings>;

/** The tenant's toll-free fields, unchecked values (a missing tenant has none). */
export async function tenantTollFreeSettings(deps: Pick<Ports, 'db'>, tenantId: string): Promise<TollFreeSettings> {
  const snap = await (await deps.db()).doc(paths.tenant(tenantId)).get();
  const parsed = TollFreeSettings.safeParse(snap.data() ?? {});
  return parsed.success ? parsed.data : {};
}
