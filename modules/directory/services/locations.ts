import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { conflict } from '../../../shared/http/errors.js';
import { directoryTx, locationsCollection, renameLocationOnNumbers, type LocationRecord } from '../repository.js';

export { locationsCollection, parseLocation, type LocationRecord } from '../repository.js';

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
    if (input.name !== undefined) await renameLocationOnNumbers(deps.db, tenantId, id, updated.name);
    return updated;
  };
}

export function deleteLocation(deps: Pick<Deps, 'db'>) {
  const locations = locationsCollection(deps.db);
  return (tenantId: string, id: string, audit: AuditContext) =>
    locations.delete(tenantId, id, audit, 'locations.delete', async (_current, tx, firestore) => {
      const held = await directoryTx(tx, firestore).firstHeldAtLocation(tenantId, id);
      if (held) {
        throw conflict('This location still has numbers; move or release them first', { numberId: held });
      }
    });
}
