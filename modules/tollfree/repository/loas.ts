import { z } from 'zod';
import type { Deps } from '../../../shared/deps.js';
import { createTenantCollection } from '../../../shared/store/tenant-collection.js';

/**
 * Letters of authorization: tenants/{t}/respOrgLoas/{loa_…} (services/loa.ts uploads them). The only
 * code touching that collection; every read goes through the schema below.
 */
const LoaSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  filename: z.string(),
  contentType: z.literal('application/pdf'),
  size: z.number().int(),
  sha256: z.string(),
  /** The document store's id (Telnyx document). */
  documentId: z.string(),
  accountId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type LoaRecord = z.infer<typeof LoaSchema>;
/** A stored LOA, as it is read: the fields above checked, unknown ones kept. */
const StoredLoa = LoaSchema.loose();
export const parseLoa = (data: unknown): LoaRecord => StoredLoa.parse(data);

export const loas = (db: Deps['db']) =>
  createTenantCollection<LoaRecord>(db, { collection: 'respOrgLoas', idPrefix: 'loa', resource: 'resporg-loas', label: 'LOA', parse: parseLoa });

/** The tenant's LOA; undefined when there is none, it is another tenant's, or it does not match its schema. */
export async function findLoa(deps: Pick<Deps, 'db'>, tenantId: string, id: string): Promise<LoaRecord | undefined> {
  const snap = await (await deps.db()).doc(`tenants/${tenantId}/respOrgLoas/${id}`).get();
  const parsed = StoredLoa.safeParse(snap.data());
  return snap.exists && parsed.success && parsed.data.tenantId === tenantId ? parsed.data : undefined;
}
