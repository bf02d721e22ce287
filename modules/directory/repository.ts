import type { Firestore, Transaction } from '@google-cloud/firestore';
import { z } from 'zod';
import { AgentResource, LocationResource } from '../../shared/api/schemas/accounts.js';
import { recordAudit, type AuditContext } from '../../shared/domain/audit.js';
import { holdingStatuses, type NumberRecord } from '../../shared/domain/number.js';
import { readNumber } from '../../shared/domain/number-record.js';
import { claimedNumberId, paths } from '../../shared/store/firestore.js';
import { createTenantCollection, readStored, type TenantDoc } from '../../shared/store/tenant-collection.js';

/**
 * The directory's repository: the only code of the module touching Firestore — locations
 * (`tenants/{t}/locations`) and agents (`tenants/{t}/agents`), and the agent and location fields of
 * the tenant's numbers, which an agent's or a location's change keeps in step in its own transaction
 * (the numbers module builds on this one, so those number documents are read and written here,
 * through the number record's schema).
 */

/** A clinic, office or site numbers are provisioned for. */
export interface LocationRecord extends TenantDoc {
  name: string;
  address?: string;
  timezone?: string;
  externalRef?: string;
}

/** A stored location, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredLocation: z.ZodType<LocationRecord> = LocationResource.extend({ tenantId: z.string() }).loose();
export const parseLocation = (data: unknown): LocationRecord => StoredLocation.parse(data);

export const locationsCollection = (db: () => Promise<Firestore>) =>
  createTenantCollection<LocationRecord>(db, { collection: 'locations', idPrefix: 'loc', resource: 'locations', label: 'Location', parse: parseLocation });

/** A voice agent (AI or human desk) and the numbers it answers on and calls from. */
export interface AgentRecord extends TenantDoc {
  name: string;
  description?: string;
  inboundPhone?: string;
  inboundNumberId?: string;
  outboundPhone?: string;
  outboundNumberId?: string;
  /** Vapi assistant this agent runs as (set on Vapi numbers when assigned). */
  assistantId?: string;
}

/** A stored agent, as it is read (never taken as it is): the API's fields and its tenant checked, unknown ones kept. */
const StoredAgent: z.ZodType<AgentRecord> = AgentResource.extend({ tenantId: z.string() }).loose();
export const parseAgent = (data: unknown): AgentRecord => StoredAgent.parse(data);

export const agentsCollection = (db: () => Promise<Firestore>) =>
  createTenantCollection<AgentRecord>(db, { collection: 'agents', idPrefix: 'agt', resource: 'agents', label: 'Agent', parse: parseAgent });

const agentPath = (tenantId: string, id: string) => `tenants/${tenantId}/agents/${id}`;

/** A transaction of the directory's workflows: reads first, then writes (Firestore's rule). */
export interface DirectoryTx {
  agent(tenantId: string, id: string): Promise<AgentRecord | undefined>;
  /** The tenant's record claimed for an E.164 (whatever its status), if any. */
  claimedNumber(tenantId: string, e164: string): Promise<NumberRecord | undefined>;
  number(tenantId: string, id: string): Promise<NumberRecord | undefined>;
  /** The first number the tenant holds at a location, if any. */
  firstHeldAtLocation(tenantId: string, locationId: string): Promise<string | undefined>;
  createAgent(agent: AgentRecord): void;
  setAgent(agent: AgentRecord): void;
  /** Writes a number's record as it is (its agent fields changed). */
  setNumber(number: NumberRecord): void;
  audit(tenantId: string, context: AuditContext, entry: { action: string; resource: string; before?: object; after?: object }): void;
}

/** The DirectoryTx of a transaction (of createTenantCollection's hooks, or of the numbers repository's update). */
export function directoryTx(tx: Transaction, db: Firestore): DirectoryTx {
  const ops: DirectoryTx = {
    async agent(tenantId, id) {
      const snap = await tx.get(db.doc(agentPath(tenantId, id)));
      return snap.exists ? readStored(parseAgent, snap.data(), { collection: 'agents', id: snap.id }) : undefined;
    },
    async claimedNumber(tenantId, e164) {
      const claim = await tx.get(db.doc(paths.numberClaim(tenantId, e164)));
      return claim.exists ? ops.number(tenantId, claimedNumberId(claim)) : undefined;
    },
    async number(tenantId, id) {
      const snap = await tx.get(db.doc(paths.number(tenantId, id)));
      return snap.exists ? readNumber(snap.data(), id) : undefined;
    },
    async firstHeldAtLocation(tenantId, locationId) {
      const held = await tx.get(db.collection(paths.numbers(tenantId)).where('locationId', '==', locationId).where('status', 'in', [...holdingStatuses]).limit(1));
      return held.docs[0]?.id;
    },
    createAgent: (agent) => void tx.create(db.doc(agentPath(agent.tenantId, agent.id)), agent),
    setAgent: (agent) => void tx.set(db.doc(agentPath(agent.tenantId, agent.id)), agent),
    setNumber: (number) => void tx.set(db.doc(paths.number(number.tenantId, number.id)), number),
    audit: (tenantId, context, entry) => recordAudit(db, tx, tenantId, context, entry),
  };
  return ops;
}

/** Runs `work` in a transaction of its own. */
export async function inDirectoryTx<T>(db: () => Promise<Firestore>, work: (t: DirectoryTx) => Promise<T>): Promise<T> {
  const firestore = await db();
  return firestore.runTransaction((tx) => work(directoryTx(tx, firestore)));
}

/**
 * Numbers show their location's name; keep it current after a rename (display field only, not audited).
 * Each page of numbers is read again in a transaction: a number moved to another location (or removed)
 * since the query keeps what it has, and one given this location meanwhile read the new name in its
 * own transaction (updateNumber reads the location there).
 */
export async function renameLocationOnNumbers(db: () => Promise<Firestore>, tenantId: string, locationId: string, name: string): Promise<void> {
  const firestore = await db();
  const snap = await firestore.collection(paths.numbers(tenantId)).where('locationId', '==', locationId).get();
  for (let i = 0; i < snap.docs.length; i += 400) {
    const refs = snap.docs.slice(i, i + 400).map((doc) => doc.ref);
    await firestore.runTransaction(async (tx) => {
      const fresh = await tx.getAll(...refs);
      for (const doc of fresh) {
        if (doc.exists && doc.get('locationId') === locationId && doc.get('locationName') !== name) tx.update(doc.ref, { locationName: name });
      }
    });
  }
}
