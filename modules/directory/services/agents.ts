import type { AuditContext } from '../../../shared/domain/audit.js';
import type { NumberRecord } from '../../../shared/domain/number.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict } from '../../../shared/http/errors.js';
import { agentsCollection, directoryTx, inDirectoryTx, type AgentRecord, type DirectoryTx } from '../repository.js';

export { agentsCollection, parseAgent, type AgentRecord } from '../repository.js';

export interface AgentInput {
  name?: string;
  description?: string | null;
  inboundPhone?: string | null;
  outboundPhone?: string | null;
  assistantId?: string | null;
}

/**
 * The held number for an E.164, read inside the transaction; 404/400/409 when it cannot serve this
 * agent. One agent answers a number (inbound); any number of agents may call from it (outbound caller ID).
 */
async function usableNumber(t: DirectoryTx, tenantId: string, agentId: string, e164: string, side: 'inbound' | 'outbound') {
  const field = `${side}Phone`;
  const number = await t.claimedNumber(tenantId, e164);
  if (!number || number.status === 'released' || number.status === 'error') {
    throw new AppError('NOT_FOUND', `${e164} is not one of this tenant's numbers`, { field });
  }
  if (number.status !== 'active') {
    throw new AppError('VALIDATION_ERROR', `${e164} is ${number.status}; only active numbers can serve an agent`, {
      issues: [{ path: `body.${field}`, message: `number is ${number.status}` }],
    });
  }
  if (side === 'inbound' && number.agentId && number.agentId !== agentId) {
    // Another agent answers it — unless that agent only calls from it (a record from before outbound
    // caller IDs could be shared named every agent using a number in agentId).
    const other = await t.agent(tenantId, number.agentId);
    if (other?.inboundNumberId === number.id) {
      throw conflict(`${e164} already answers for another agent; a number answers for one agent (its outbound caller ID may be shared)`, {
        agentId: number.agentId,
        field,
      });
    }
  }
  return number;
}

/** A number's agent fields once `agentId`'s use of it is `use` (the agent that answers it; those that call from it). */
function withAgentUse(number: NumberRecord, agentId: string, use: { inbound: boolean; outbound: boolean }): NumberRecord {
  const callers = new Set(number.outboundAgentIds ?? []);
  let answering = number.agentId;
  if (use.inbound) {
    // An older record's agentId may name an agent that only calls from the number (usableNumber checked): it stays a caller.
    if (answering && answering !== agentId) callers.add(answering);
    answering = agentId;
  } else if (answering === agentId) {
    answering = undefined;
  }
  if (use.outbound) callers.add(agentId);
  else callers.delete(agentId);
  const { agentId: _answering, outboundAgentIds: _callers, ...rest } = number;
  return { ...rest, ...(answering ? { agentId: answering } : {}), ...(callers.size ? { outboundAgentIds: [...callers].sort() } : {}) };
}

const sameAgents = (a: NumberRecord, b: NumberRecord) =>
  a.agentId === b.agentId && (a.outboundAgentIds ?? []).join() === (b.outboundAgentIds ?? []).join();

/**
 * Applies an agent's phone references and keeps each number's agent fields in step, all in one
 * transaction: all reads first (agent, claims, numbers), then the writes.
 */
async function linkNumbers(
  t: DirectoryTx,
  before: AgentRecord | undefined,
  after: AgentRecord,
  input: AgentInput,
  audit: AuditContext,
  now: string,
): Promise<AgentRecord> {
  const next = { ...after };
  const wanted = new Map<string, NumberRecord>();
  for (const side of ['inbound', 'outbound'] as const) {
    const value = input[`${side}Phone`];
    if (value === undefined) continue;
    if (value === null) {
      delete next[`${side}Phone`];
      delete next[`${side}NumberId`];
      continue;
    }
    // The same number on both sides is checked as the inbound one (the stricter rule).
    const number = wanted.get(value) ?? (await usableNumber(t, after.tenantId, after.id, value, side));
    wanted.set(value, number);
    next[`${side}Phone`] = value;
    next[`${side}NumberId`] = number.id;
  }
  const touched = new Map<string, NumberRecord>([...wanted.values()].map((n) => [n.id, n]));
  for (const id of [before?.inboundNumberId, before?.outboundNumberId, next.inboundNumberId, next.outboundNumberId]) {
    if (!id || touched.has(id)) continue;
    const number = await t.number(after.tenantId, id);
    if (number) touched.set(id, number);
  }
  // Writes.
  for (const number of touched.values()) {
    const use = { inbound: next.inboundNumberId === number.id, outbound: next.outboundNumberId === number.id };
    const changed = withAgentUse(number, after.id, use);
    if (sameAgents(changed, number)) continue;
    const written = { ...changed, updatedAt: now };
    t.setNumber(written);
    t.audit(after.tenantId, audit, {
      action: use.inbound || use.outbound ? 'numbers.assign_agent' : 'numbers.unassign_agent',
      resource: `numbers/${number.id}`,
      before: number,
      after: written,
    });
  }
  return next;
}

function applyFields(record: AgentRecord, input: AgentInput): AgentRecord {
  const next = { ...record };
  if (input.name !== undefined) next.name = input.name;
  for (const key of ['description', 'assistantId'] as const) {
    const value = input[key];
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}

type AgentDeps = Pick<Deps, 'db' | 'now' | 'numbers' | 'providers'>;

/**
 * Vapi numbers answer with an assistant: an agent that has one puts it on its Vapi numbers
 * (after the agent's transaction; a failure here is reported and a repeated PATCH repairs it).
 */
async function syncVapiAssistants(deps: AgentDeps, agent: AgentRecord, audit: AuditContext): Promise<void> {
  for (const numberId of new Set([agent.inboundNumberId, agent.outboundNumberId].filter(Boolean) as string[])) {
    const number = await deps.numbers.get(agent.tenantId, numberId);
    if (number?.provider !== 'vapi' || !number.providerNumberId || (number.vapi?.assistantId ?? null) === (agent.assistantId ?? null)) continue;
    // The assistant answers the number's calls: set by the agent that answers it (or its only caller when none does), never by one of several callers.
    const answers = number.agentId === agent.id || (!number.agentId && (number.outboundAgentIds ?? []).every((id) => id === agent.id));
    if (!answers) continue;
    const vapi = await deps.providers.forAccount(agent.tenantId, 'vapi', number.accountId);
    await vapi.update(number.providerNumberId, { assistantId: agent.assistantId ?? null });
    await deps.numbers.update(agent.tenantId, number.id, 'numbers.assistant_from_agent', audit, (current) => {
      const next = { ...current, vapi: { ...current.vapi!, source: current.vapi?.source ?? 'vapi' }, updatedAt: deps.now().toISOString() };
      if (agent.assistantId) next.vapi.assistantId = agent.assistantId;
      else delete next.vapi.assistantId;
      return next;
    });
  }
}

export function createAgent(deps: AgentDeps) {
  const agents = agentsCollection(deps.db);
  return async (tenantId: string, input: AgentInput & { name: string }, audit: AuditContext) => {
    const now = deps.now().toISOString();
    let record = applyFields({ id: agents.newId(), tenantId, name: input.name, createdAt: now, updatedAt: now }, input);
    await inDirectoryTx(deps.db, async (t) => {
      record = await linkNumbers(t, undefined, record, input, audit, now);
      t.createAgent(record);
      t.audit(tenantId, audit, { action: 'agents.create', resource: `agents/${record.id}`, after: record });
    });
    await syncVapiAssistants(deps, record, audit);
    return record;
  };
}

export function updateAgent(deps: AgentDeps) {
  const agents = agentsCollection(deps.db);
  return async (tenantId: string, id: string, input: AgentInput, audit: AuditContext) => {
    const now = deps.now().toISOString();
    const agent = await agents.update(tenantId, id, audit, 'agents.update', (current, tx, firestore) =>
      linkNumbers(directoryTx(tx, firestore), current, { ...applyFields(current, input), updatedAt: now }, input, audit, now),
    );
    await syncVapiAssistants(deps, agent, audit);
    return agent;
  };
}

export function deleteAgent(deps: Pick<Deps, 'db' | 'now'>) {
  const agents = agentsCollection(deps.db);
  return (tenantId: string, id: string, audit: AuditContext) =>
    agents.delete(tenantId, id, audit, 'agents.delete', async (current, tx, firestore) => {
      await linkNumbers(directoryTx(tx, firestore), current, { ...current }, { inboundPhone: null, outboundPhone: null }, audit, deps.now().toISOString());
    });
}

/** For a forced release: detaches the number from every agent that answers or calls from it, inside the release transaction. */
export async function detachNumberFromAgent(
  tx: Parameters<typeof directoryTx>[0],
  db: Parameters<typeof directoryTx>[1],
  number: NumberRecord,
  audit: AuditContext,
  now: string,
): Promise<void> {
  const t = directoryTx(tx, db);
  const ids = [...new Set([number.agentId, ...(number.outboundAgentIds ?? [])].filter(Boolean) as string[])];
  const agents: AgentRecord[] = [];
  for (const id of ids) {
    const agent = await t.agent(number.tenantId, id);
    if (agent) agents.push(agent);
  }
  for (const agent of agents) {
    const next: AgentRecord = { ...agent, updatedAt: now };
    for (const side of ['inbound', 'outbound'] as const) {
      if (next[`${side}NumberId`] === number.id) {
        delete next[`${side}NumberId`];
        delete next[`${side}Phone`];
      }
    }
    t.setAgent(next);
    t.audit(number.tenantId, audit, { action: 'agents.number_released', resource: `agents/${agent.id}`, before: agent, after: next });
  }
}
