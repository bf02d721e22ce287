import { z } from 'zod';
import type { Ports } from '../../../shared/ports.js';
import { readTenantDoc } from '../../../shared/store/tenant-doc.js';

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

/** The tenant's toll-free fields, unchecked values (a missing tenant has none); in the request's one read of its document (shared/store/tenant-doc.ts). */
export async function tenantTollFreeSettings(deps: Pick<Ports, 'db'>, tenantId: string): Promise<TollFreeSettings> {
  const snap = await readTenantDoc(await deps.db(), tenantId);
  const parsed = TollFreeSettings.safeParse(snap.data() ?? {});
  return parsed.success ? parsed.data : {};
}
