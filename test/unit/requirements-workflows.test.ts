/**
 * The requirements module's workflows (modules/requirements/services) on the in-memory Firestore and
 * a fake Telnyx regulatory account: a group is created once per tenant, country, type and action; its
 * approval gates a purchase (requireOrderableGroup); a Telnyx order event is applied once (a replay
 * changes nothing); one tenant never sees another's group.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import type { NumberRecord } from '../../shared/domain/number.js';
import { createLogger } from '../../shared/log.js';
import type { Deps } from '../../shared/deps.js';
import type { TaskQueue, TaskRequest } from '../../shared/queue/task-queue.js';
import { telnyxKeyPair, telnyxSignatureHeaders } from '../../shared/providers/telnyx/webhooks.js';
import type { TelnyxRequirementGroup } from '../../shared/providers/telnyx/mapper.js';
import type { NumberProvider } from '../../shared/providers/types.js';
import { paths } from '../../shared/store/firestore.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { requireOrderableGroup, submitGroup } from '../../modules/requirements/services/approval.js';
import { getOrCreateGroup, requirementGroups, setValue } from '../../modules/requirements/services/requirements.js';
import { handleTelnyxWebhook } from '../../modules/requirements/services/telnyx-events.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { refusal } from '../helpers/refusal.js';

const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
const A = 'tenant-a';
const B = 'tenant-b';
const keys = telnyxKeyPair();
const DE = { country: 'DE', type: 'local', action: 'ordering' } as const;

/** A Telnyx account with regulatory requirements: one textual requirement for DE local numbers; groups it decides on when told. */
function telnyxAccount() {
  const groups = new Map<string, TelnyxRequirementGroup>();
  const calls: string[] = [];
  const owned = new Map<string, { providerNumberId: string; phoneNumber: string; friendlyName: string; provider: 'telnyx'; capabilities: NumberRecord['capabilities'] }>();
  const provider = {
    capabilities: { regulatoryRequirements: true },
    async listRequirements() {
      calls.push('listRequirements');
      return { hasRequirements: true, requirements: [{ id: 'req-name', name: 'Business name', kind: 'textual' as const, acceptanceCriteria: { minLength: 2 } }] };
    },
    async createRequirementGroup(request: { customerReference: string }) {
      calls.push('createRequirementGroup');
      const group: TelnyxRequirementGroup = { id: `tg-${groups.size + 1}`, status: 'draft', customerReference: request.customerReference, values: [] };
      groups.set(group.id, group);
      return group;
    },
    async updateRequirementGroup(id: string) {
      calls.push('updateRequirementGroup');
      return groups.get(id)!;
    },
    async submitRequirementGroup(id: string) {
      calls.push('submitRequirementGroup');
      const group = { ...groups.get(id)!, status: 'pending' as const };
      groups.set(id, group);
      return group;
    },
    async getRequirementGroup(id: string) {
      return groups.get(id)!;
    },
    async findOwned(phoneNumber: string) {
      return owned.get(phoneNumber);
    },
  };
  return {
    provider,
    calls,
    owned,
    /** Telnyx decides on a group. */
    decide: (id: string, status: 'approved' | 'rejected') => groups.set(id, { ...groups.get(id)!, status }),
  };
}

function arrange() {
  const mem = memoryFirestore();
  const db = async () => mem.firestore;
  const account = telnyxAccount();
  let now = Date.parse('2026-03-01T09:00:00.000Z');
  const tasks: TaskRequest[] = [];
  const queue: TaskQueue = { enqueue: async (task) => (tasks.push(task), { name: task.id ?? 'task', deduplicated: false }) };
  // Only the calls these workflows make: the regulatory ones, and a look-up when an order completes.
  const provider: unknown = account.provider;
  const providers = {
    forTenant: async () => ({ provider: provider as NumberProvider, accountId: 'platform' }),
    forAccount: async () => provider as NumberProvider,
  } as Pick<Deps['providers'], 'forTenant' | 'forAccount'> as Deps['providers'];
  const deps = {
    db,
    numbers: createNumbersStore(db),
    providers,
    tasks: queue,
    now: () => new Date((now += 1000)),
    log: createLogger(),
    config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test', TELNYX_PUBLIC_KEY: keys.publicKeyBase64 }),
  };
  /** A group created, its one value set and submitted: pending at Telnyx. */
  const submittedGroup = async (tenantId: string) => {
    const { record } = await getOrCreateGroup(deps)(tenantId, DE, audit);
    await setValue(deps)(tenantId, record.id, 'req-name', { value: 'Acme GmbH' }, audit);
    return submitGroup(deps)(tenantId, record.id, audit);
  };
  /** A signed Telnyx number_order event, as Telnyx posts it. */
  const orderEvent = (eventId: string, orderId: string, status: 'pending' | 'success' | 'failure', occurredAt: string) => {
    const body = Buffer.from(
      JSON.stringify({ data: { event_type: 'number_order.complete', id: eventId, occurred_at: occurredAt, record_type: 'event', payload: { id: orderId, status, phone_numbers: [] } } }),
    );
    return { body, headers: telnyxSignatureHeaders(keys.privateKey, body, now) };
  };
  const webhook = (raw: ReturnType<typeof orderEvent>) => handleTelnyxWebhook(deps)(raw, 'req-hook', deps.log);
  const auditActions = (tenantId: string) => mem.list(`tenants/${tenantId}/audit`).map((p) => mem.read(p)!.action);
  return { mem, deps, account, tasks, submittedGroup, orderEvent, webhook, auditActions };
}

describe('requirement groups (in memory)', () => {
  it('creates a group once per tenant, country, type and action (get-or-create), stored under the tenant', async () => {
    const { deps, account, mem } = arrange();

    const first = await getOrCreateGroup(deps)(A, DE, audit);
    const again = await getOrCreateGroup(deps)(A, DE, audit);

    expect(first.created).toBe(true);
    expect(again).toEqual({ record: first.record, created: false });
    expect(account.calls.filter((c) => c === 'createRequirementGroup')).toHaveLength(1);
    expect(mem.read(`tenants/${A}/requirementGroups/${first.record.id}`)).toMatchObject({ tenantId: A, status: 'draft', providerGroupId: 'tg-1', country: 'DE' });
  });

  it('gates a purchase on the group: refused without one or while a draft, allowed under review and once approved', async () => {
    const { deps, account } = arrange();
    const orderable = () => requireOrderableGroup(deps)(A, { country: 'DE', type: 'local' }, audit);

    const missing = await refusal(orderable());
    const { record } = await getOrCreateGroup(deps)(A, DE, audit);
    const draft = await refusal(orderable());
    await setValue(deps)(A, record.id, 'req-name', { value: 'Acme GmbH' }, audit);
    await submitGroup(deps)(A, record.id, audit);
    const underReview = await orderable();
    account.decide(record.providerGroupId!, 'approved');
    const approved = await orderable();

    expect(missing).toMatchObject({ code: 'REQUIREMENTS_INCOMPLETE', details: { status: 'missing' } });
    expect(draft).toMatchObject({ code: 'REQUIREMENTS_INCOMPLETE', details: { status: 'draft' } });
    expect(underReview).toEqual({ id: record.id, providerGroupId: record.providerGroupId, underReview: true });
    expect(approved).toEqual({ id: record.id, providerGroupId: record.providerGroupId, underReview: false });
    expect((await requirementGroups(deps.db).require(A, record.id)).status).toBe('approved');
  });

  it('refuses a purchase once Telnyx declined the group', async () => {
    const { deps, account, submittedGroup } = arrange();
    const group = await submittedGroup(A);
    account.decide(group.providerGroupId!, 'rejected');

    const declined = await refusal(requireOrderableGroup(deps)(A, { country: 'DE', type: 'local' }, audit));

    expect(declined).toMatchObject({ code: 'REQUIREMENTS_INCOMPLETE', details: { status: 'rejected' } });
  });

  it('keeps tenants apart: another tenant’s group is not found, and does not make its purchases orderable', async () => {
    const { deps, submittedGroup } = arrange();
    const group = await submittedGroup(A);

    const read = await requirementGroups(deps.db).get(B, group.id);
    const named = await refusal(requireOrderableGroup(deps)(B, { country: 'DE', type: 'local', requirementGroupId: group.id }, audit));
    const own = await refusal(requireOrderableGroup(deps)(B, { country: 'DE', type: 'local' }, audit));

    expect(read).toBeUndefined();
    expect(named).toMatchObject({ code: 'NOT_FOUND' });
    expect(own).toMatchObject({ code: 'REQUIREMENTS_INCOMPLETE', details: { status: 'missing' } });
  });
});

describe('Telnyx order events (in memory)', () => {
  it('applies an order event once: the pending number becomes active, and a replay of the event does nothing', async () => {
    const { mem, account, orderEvent, webhook, auditActions } = arrange();
    const phoneNumber = '+4930123456';
    mem.write(paths.number(A, 'num_ordered'), {
      id: 'num_ordered',
      tenantId: A,
      provider: 'telnyx',
      accountId: 'platform',
      phoneNumber,
      friendlyName: phoneNumber,
      country: 'DE',
      type: 'local',
      capabilities: { voice: true, sms: false, mms: false, fax: false },
      tags: [],
      smsEnabled: false,
      voiceEnabled: true,
      status: 'pending',
      orderId: 'ord-1',
      purchase: { leaseUntil: '2026-03-01T09:10:00.000Z', attempts: 1, outcome: 'ordered' },
      createdAt: '2026-03-01T08:00:00.000Z',
      updatedAt: '2026-03-01T08:00:00.000Z',
      createdBy: 'u1',
    } satisfies NumberRecord);
    account.owned.set(phoneNumber, { providerNumberId: 'tn-1', phoneNumber, friendlyName: phoneNumber, provider: 'telnyx', capabilities: { voice: true, sms: false, mms: false, fax: false } });
    const event = orderEvent('evt-order-1', 'ord-1', 'success', '2026-03-01T09:00:30.000Z');

    const first = await webhook(event);
    const afterFirst = mem.read(paths.number(A, 'num_ordered'));
    const replay = await webhook(event);

    expect(first).toEqual({ received: true, eventId: 'evt-order-1', outcome: 'applied' });
    expect(afterFirst).toMatchObject({ status: 'active', providerNumberId: 'tn-1', orderEventAt: '2026-03-01T09:00:30.000Z' });
    expect(replay).toEqual({ received: true, eventId: 'evt-order-1', outcome: 'duplicate' });
    expect(mem.read(paths.number(A, 'num_ordered'))).toEqual(afterFirst);
    expect(auditActions(A)).toEqual(['numbers.activate']);
    expect(mem.read('webhookEvents/telnyx_evt-order-1')).toMatchObject({ provider: 'telnyx', eventId: 'evt-order-1', outcome: 'applied' });
  });

  it('refuses an event whose signature does not check out, reading and writing nothing', async () => {
    const { mem, orderEvent, webhook } = arrange();
    const event = orderEvent('evt-forged', 'ord-9', 'success', '2026-03-01T09:00:30.000Z');
    const forged = { body: Buffer.from(event.body.toString().replace('ord-9', 'ord-8')), headers: event.headers };

    const refused = await refusal(webhook(forged));

    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(mem.read('webhookEvents/telnyx_evt-forged')).toBeUndefined();
  });
});
