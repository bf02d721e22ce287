import type { Firestore } from '@google-cloud/firestore';
import { z } from 'zod';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { holdingStatuses } from '../../../shared/domain/number.js';
import { conflict } from '../../../shared/http/errors.js';
import { paths } from '../../../shared/store/firestore.js';
import { createTenantCollection, type TenantDoc } from '../../../shared/store/tenant-collection.js';

/** A clinic, office or site numbers are provisioned for. */
export interface LocationRecord extends TenantDoc {
  name: string;
  address?: string;
  timezone?: string;
  externalRef?: string;
}

/** A stored location, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredLocation: z.ZodType<LocationRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  address: z.string().optional(),
  timezone: z.string().optional(),
  externalRef: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const parseLocation = (data: unknown): LocationRecord => StoredLocation.parse(data);

export const locationsCollection = (db: () => Promise<Firestore>) =>
  createTenantCollection<LocationRecord>(db, { collection: 'locations', idPrefix: 'loc', resource: 'locations', label: 'Location', parse: parseLocation });

type Input = { name?: string; address?: string | null; timezone?: string | null; externalRef?: string | null };

function apply(record: LocationRecord, input: Input): LocationRecord {
  const next = { ...record };
  if (input.name !== undefined) next.name = input.name;
  for (const key of ['address', 'timezone', 'externalRef'] as const) {
    const value = input[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}

export function createLocation(deps: Pick<Deps, 'db' | 'now'>) {
  const locations = locationsCollection(deps.db);
  return (tenantId: string, input: Input & { name: string }, audit: AuditContext) => {
    const now = deps.now().toISOString();
    return locations.create(apply({ id: locations.newId(), tenantId, name: input.name, createdAt: now, updatedAt: now }, input), audit, 'locations.create');
  };
}

export function updateLocation(deps: Pick<Deps, 'db' | 'now'>) {
  const locations = locationsCollection(deps.db);
  return async (tenantId: string, id: string, input: Input, audit: AuditContext) => {
    const updated = await locations.update(tenantId, id, audit, 'locations.update', (current) => ({
      ...apply(current, input),
      updatedAt: deps.now().toISOString(),
    }));
    if (input.name !== undefined) await renameOnNumbers(await deps.db(), tenantId, id, updated.name);
    return updated;
  };
}

/**
 * Numbers show their location's name; keep it current after a rename (display field only, not audited).
 * Each page of numbers is read again in a transaction: a number moved to another location (or removed)
 * since the query keeps what it has, and one given this location meanwhile read the new name in its
 * own transaction (updateNumber reads the location there).
 */
async function renameOnNumbers(db: Firestore, tenantId: string, locationId: string, name: string): Promise<void> {
  const snap = await db.collection(paths.numbers(tenantId)).where('locationId', '==', locationId).get();
  for (let i = 0; i < snap.docs.length; i += 400) {
    const refs = snap.docs.slice(i, i + 400).map((doc) => doc.ref);
    await db.runTransaction(async (tx) => {
      const fresh = await tx.getAll(...refs);
      for (const doc of fresh) {
        if (doc.exists && doc.get('locationId') === locationId && doc.get('locationName') !== name) tx.update(doc.ref, { locationName: name });
      }
    });
  }
}

export function deleteLocation(deps: Pick<Deps, 'db'>) {
  const locations = locationsCollection(deps.db);
  return (tenantId: string, id: string, audit: AuditContext) =>
    locations.delete(tenantId, id, audit, 'locations.delete', async (_current, tx, firestore) => {
      const held = await tx.get(
        firestore.collection(paths.numbers(tenantId)).where('locationId', '==', id).where('status', 'in', [...holdingStatuses]).limit(1),
      );
      if (!held.empty) {
        throw conflict('This location still has numbers; move or release them first', { numberId: held.docs[0]!.id });
      }
    });
}
