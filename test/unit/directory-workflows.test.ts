/**
 * The directory's workflows (modules/directory/services: locations and agents) with their real tenant
 * collections and the real numbers repository on the in-memory Firestore: CRUD, cursor pagination, a
 * location's name kept on its numbers, the delete guard, the agents' number-assignment rules, and tenant
 * isolation.
 */
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../shared/deps.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { paths } from '../../shared/store/firestore.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { createLocation, deleteLocation, locationsCollection, updateLocation } from '../../modules/directory/services/locations.js';
import { agentsCollection, createAgent, deleteAgent, updateAgent } from '../../modules/directory/services/agents.js';
import { updateNumber } from '../../modules/numbers/services/manage.js';
import { parseConfig } from '../../shared/config.js';
import { logger } from '../../shared/log.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';
import { numberRecord } from '../helpers/number-fixture.js';

const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
const A = 'tenant-a';
const B = 'tenant-b';

function arrange() {
  const mem = memoryFirestore();
  let now = Date.parse('2026-03-01T09:00:00.000Z');
  const deps = {
    db: async () => mem.firestore,
    // Each reading of the clock is a second later: records created in turn have distinct createdAt.
    now: () => new Date((now += 1000)),
    numbers: createNumbersStore(async () => mem.firestore),
    providers: {
      forTenant: () => Promise.reject(new Error('no provider call expected')),
      forAccount: () => Promise.reject(new Error('no provider call expected')),
    } as unknown as Deps['providers'],
  } satisfies Pick<Deps, 'db' | 'now' | 'numbers' | 'providers'>;
  /** A number the tenant holds (record and claim), as the purchase workflow leaves it. */
  const holdNumber = (tenantId: string, id: string, phoneNumber: string, extra: Partial<NumberRecord> = {}) => {
    mem.write(paths.number(tenantId, id), { ...numberRecord(id, tenantId, phoneNumber, { providerNumberId: `PN${id}` }), ...extra });
    mem.write(paths.numberClaim(tenantId, phoneNumber), { numberId: id });
  };
  const numberDoc = (tenantId: string, id: string) => mem.read(paths.number(tenantId, id)) as NumberRecord | undefined;
  const auditActions = (tenantId: string) => mem.list(`tenants/${tenantId}/audit`).map((p) => mem.read(p)!.action);
  return { mem, deps, holdNumber, numberDoc, auditActions };
}

describe('locations (in memory)', () => {
  it('creates, reads, updates (null clears a field) and deletes a location, each audited', async () => {
    const { deps, mem, auditActions } = arrange();
    const created = await createLocation(deps)(A, { name: 'Main clinic', address: '1 Main St', timezone: 'America/Chicago' }, audit);
    expect(created).toMatchObject({ id: expect.stringMatching(/^loc_[0-9a-f]{16}$/), tenantId: A, name: 'Main clinic', address: '1 Main St' });
    expect(await locationsCollection(deps.db).get(A, created.id)).toEqual(created);

    const updated = await updateLocation(deps)(A, created.id, { address: null, externalRef: 'ext-1' }, audit);
    expect(updated).toMatchObject({ name: 'Main clinic', timezone: 'America/Chicago', externalRef: 'ext-1' });
    expect(updated).not.toHaveProperty('address');
    expect(updated.updatedAt > created.updatedAt).toBe(true);
    expect(mem.read(`tenants/${A}/locations/${created.id}`)).toEqual(updated);

    expect(await deleteLocation(deps)(A, created.id, audit)).toEqual(updated);
    expect(await locationsCollection(deps.db).get(A, created.id)).toBeUndefined();
    expect(auditActions(A).sort()).toEqual(['locations.create', 'locations.delete', 'locations.update']);
  });

  it('lists newest first in pages: a cursor continues where the last page ended, the total comes with the first', async () => {
    const { deps } = arrange();
    const names = ['L1', 'L2', 'L3', 'L4', 'L5'];
    for (const name of names) await createLocation(deps)(A, { name }, audit);
    const locations = locationsCollection(deps.db);

    const first = await locations.list(A, 2);
    expect(first.items.map((l) => l.name)).toEqual(['L5', 'L4']);
    expect(first.total).toBe(5);
    const second = await locations.list(A, 2, first.nextCursor);
    expect(second.items.map((l) => l.name)).toEqual(['L3', 'L2']);
    expect(second.total).toBeUndefined();
    const last = await locations.list(A, 2, second.nextCursor);
    expect(last.items.map((l) => l.name)).toEqual(['L1']);
    expect(last.nextCursor).toBeUndefined();
  });

  it('renames the location on its numbers (and only on its own)', async () => {
    const { deps, holdNumber, numberDoc } = arrange();
    const clinic = await createLocation(deps)(A, { name: 'Old name' }, audit);
    const other = await createLocation(deps)(A, { name: 'Other' }, audit);
    holdNumber(A, 'n1', '+14155550101', { locationId: clinic.id, locationName: 'Old name' });
    holdNumber(A, 'n2', '+14155550102', { locationId: clinic.id, locationName: 'Old name' });
    holdNumber(A, 'n3', '+14155550103', { locationId: other.id, locationName: 'Other' });

    await updateLocation(deps)(A, clinic.id, { name: 'New name' }, audit);

    expect(numberDoc(A, 'n1')?.locationName).toBe('New name');
    expect(numberDoc(A, 'n2')?.locationName).toBe('New name');
    expect(numberDoc(A, 'n3')?.locationName).toBe('Other');
  });

  it('gives a number the location as its transaction reads it: deleted meanwhile is a 404 (nothing written), renamed meanwhile lends the new name', async () => {
    const { deps, holdNumber, numberDoc, mem } = arrange();
    const manage = updateNumber({ ...deps, config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test' }), log: logger });
    const clinic = await createLocation(deps)(A, { name: 'Clinic' }, audit);
    holdNumber(A, 'n1', '+14155550101');
    // Between updateNumber's first look at the location and its transaction, someone acts on the location.
    const meanwhile = (act: () => Promise<unknown>) => {
      const run = mem.firestore.runTransaction.bind(mem.firestore);
      let pending = true;
      mem.firestore.runTransaction = (async (fn: Parameters<typeof run>[0]) => {
        if (pending) {
          pending = false;
          await act();
        }
        return run(fn);
      }) as typeof mem.firestore.runTransaction;
    };

    meanwhile(() => updateLocation(deps)(A, clinic.id, { name: 'Clinic, 2nd floor' }, audit));
    const moved = await manage(A, 'n1', { locationId: clinic.id }, audit);
    expect(moved).toMatchObject({ locationId: clinic.id, locationName: 'Clinic, 2nd floor' });
    expect(numberDoc(A, 'n1')?.locationName).toBe('Clinic, 2nd floor');

    const doomed = await createLocation(deps)(A, { name: 'Closing' }, audit);
    meanwhile(() => deleteLocation(deps)(A, doomed.id, audit));
    const refused = await refusal(manage(A, 'n1', { locationId: doomed.id }, audit));
    expect(refused).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(numberDoc(A, 'n1')).toMatchObject({ locationId: clinic.id, locationName: 'Clinic, 2nd floor' });
  });

  it('refuses (409) to delete a location that still has a held number, and deletes it once the number is released', async () => {
    const { deps, holdNumber, mem } = arrange();
    const clinic = await createLocation(deps)(A, { name: 'Clinic' }, audit);
    holdNumber(A, 'n1', '+14155550101', { locationId: clinic.id, status: 'inactive' });

    const refused = await refusal(deleteLocation(deps)(A, clinic.id, audit));
    expect(refused).toMatchObject({ code: 'CONFLICT', status: 409, details: { numberId: 'n1' } });
    expect(mem.read(`tenants/${A}/locations/${clinic.id}`)).toMatchObject({ name: 'Clinic' });

    mem.write(paths.number(A, 'n1'), { ...mem.read(paths.number(A, 'n1')), status: 'released' });
    expect(await deleteLocation(deps)(A, clinic.id, audit)).toMatchObject({ id: clinic.id });
  });

  it('keeps tenants apart: B neither lists, reads, renames nor deletes A’s location, nor renames on A’s numbers', async () => {
    const { deps, holdNumber, numberDoc, mem } = arrange();
    const clinic = await createLocation(deps)(A, { name: 'A clinic' }, audit);
    holdNumber(A, 'n1', '+14155550101', { locationId: clinic.id, locationName: 'A clinic' });
    const locations = locationsCollection(deps.db);

    expect(await locations.list(B, 10)).toEqual({ items: [], total: 0 });
    expect(await locations.get(B, clinic.id)).toBeUndefined();
    expect(await refusal(updateLocation(deps)(B, clinic.id, { name: 'Hijacked' }, audit))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(deleteLocation(deps)(B, clinic.id, audit))).toMatchObject({ code: 'NOT_FOUND' });

    expect(mem.read(`tenants/${A}/locations/${clinic.id}`)).toMatchObject({ name: 'A clinic' });
    expect(numberDoc(A, 'n1')?.locationName).toBe('A clinic');
    expect(mem.list(`tenants/${B}/locations`)).toEqual([]);
  });
});

describe('agents (in memory)', () => {
  it('creates an agent on a number (the number names it), moves it to another, and deletes it (the number lets go)', async () => {
    const { deps, holdNumber, numberDoc, auditActions } = arrange();
    holdNumber(A, 'n1', '+14155550101');
    holdNumber(A, 'n2', '+14155550102');

    const agent = await createAgent(deps)(A, { name: 'Front desk', inboundPhone: '+14155550101', outboundPhone: '+14155550101' }, audit);
    expect(agent).toMatchObject({ id: expect.stringMatching(/^agt_/), inboundNumberId: 'n1', outboundNumberId: 'n1' });
    expect(numberDoc(A, 'n1')).toMatchObject({ agentId: agent.id, outboundAgentIds: [agent.id] });

    const moved = await updateAgent(deps)(A, agent.id, { name: 'Reception', inboundPhone: '+14155550102' }, audit);
    expect(moved).toMatchObject({ name: 'Reception', inboundPhone: '+14155550102', inboundNumberId: 'n2', outboundNumberId: 'n1' });
    expect(numberDoc(A, 'n2')?.agentId).toBe(agent.id);
    expect(numberDoc(A, 'n1')).not.toHaveProperty('agentId'); // still its caller ID, no longer answered by it
    expect(numberDoc(A, 'n1')?.outboundAgentIds).toEqual([agent.id]);

    await deleteAgent(deps)(A, agent.id, audit);
    expect(await agentsCollection(deps.db).get(A, agent.id)).toBeUndefined();
    expect(numberDoc(A, 'n1')).not.toHaveProperty('outboundAgentIds');
    expect(numberDoc(A, 'n2')).not.toHaveProperty('agentId');
    expect(auditActions(A)).toEqual(expect.arrayContaining(['agents.create', 'agents.update', 'agents.delete', 'numbers.assign_agent', 'numbers.unassign_agent']));
  });

  it('refuses (409) a number another agent answers, but lets several agents call from it', async () => {
    const { deps, holdNumber, numberDoc } = arrange();
    holdNumber(A, 'n1', '+14155550101');
    const first = await createAgent(deps)(A, { name: 'First', inboundPhone: '+14155550101' }, audit);

    const refused = await refusal(createAgent(deps)(A, { name: 'Second', inboundPhone: '+14155550101' }, audit));
    expect(refused).toMatchObject({ code: 'CONFLICT', status: 409, details: { agentId: first.id, field: 'inboundPhone' } });
    expect((await agentsCollection(deps.db).list(A, 10)).items.map((a) => a.name)).toEqual(['First']);

    const caller = await createAgent(deps)(A, { name: 'Caller', outboundPhone: '+14155550101' }, audit);
    expect(numberDoc(A, 'n1')).toMatchObject({ agentId: first.id, outboundAgentIds: [caller.id] });
  });

  it('refuses a number that is not the tenant’s (404) and one that is not active (400), leaving nothing behind', async () => {
    const { deps, holdNumber, mem, numberDoc } = arrange();
    holdNumber(B, 'nb', '+14155550199');
    holdNumber(A, 'np', '+14155550150', { status: 'pending' });

    const notOurs = await refusal(createAgent(deps)(A, { name: 'Thief', inboundPhone: '+14155550199' }, audit));
    expect(notOurs).toMatchObject({ code: 'NOT_FOUND', details: { field: 'inboundPhone' } });
    expect(numberDoc(B, 'nb')).not.toHaveProperty('agentId');

    const pending = await refusal(createAgent(deps)(A, { name: 'Early', outboundPhone: '+14155550150' }, audit));
    expect(pending).toMatchObject({ code: 'VALIDATION_ERROR', status: 400 });
    expect(mem.list(`tenants/${A}/agents`)).toEqual([]);
  });

  it('keeps tenants apart: B cannot update or delete A’s agent, nor list it', async () => {
    const { deps, holdNumber, numberDoc, mem } = arrange();
    holdNumber(A, 'n1', '+14155550101');
    const agent = await createAgent(deps)(A, { name: 'A agent', inboundPhone: '+14155550101' }, audit);

    expect(await refusal(updateAgent(deps)(B, agent.id, { name: 'Hijacked', inboundPhone: null }, audit))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refusal(deleteAgent(deps)(B, agent.id, audit))).toMatchObject({ code: 'NOT_FOUND' });
    expect((await agentsCollection(deps.db).list(B, 10)).items).toEqual([]);

    expect(mem.read(`tenants/${A}/agents/${agent.id}`)).toMatchObject({ name: 'A agent', inboundNumberId: 'n1' });
    expect(numberDoc(A, 'n1')?.agentId).toBe(agent.id);
  });
});
