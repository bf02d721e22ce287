/**
 * The toll-free workflows' world for in-memory tests: the module's repositories on memoryFirestore(),
 * and a fake of the Somos registry port (SomosRegistryClient) that holds each number once and can
 * answer a call with 202, to be completed (or failed) later as its `retrieve` says.
 */
import { parseConfig } from '../../shared/config.js';
import type { Deps } from '../../shared/deps.js';
import type { AuditContext } from '../../shared/domain/audit.js';
import { logger } from '../../shared/log.js';
import type {
  CustomerRecordInput,
  SomosCallContext,
  SomosCustomerRecordInfo,
  SomosCustomerRecordWrite,
  SomosDisconnectInput,
  SomosNumberInfo,
  SomosOperation,
  SomosPending,
  SomosRegistryClient,
  SomosReleaseResult,
  SomosReserveRequest,
  SomosResult,
} from '../../shared/providers/somos/client-types.js';
import { formatEffectiveAt } from '../../shared/providers/somos/routing.js';
import { ProviderError } from '../../shared/providers/types.js';
import type { TaskRequest } from '../../shared/queue/task-queue.js';
import type { SomosPlatform } from '../../modules/tollfree/services/platform.js';
import { activateNumber, reserveNumbers } from '../../modules/tollfree/services/numbers.js';
import { memoryFirestore } from './memory-firestore.js';

export const ROID = 'NPS01';
export const audit: AuditContext = { actor: { type: 'user', uid: 'u1', role: 'admin' }, requestId: 'req-1' };
export const routingTo = (destination: string) => ({ routing: { primary: { type: 'pstn', destination } } });

interface Held {
  status: 'RESERVED' | 'WORKING' | 'DISCONNECT';
  respOrgId: string;
  recVersionId?: string;
}

const taken = (num: string) => new ProviderError('somos', `${num} is not available`, { httpStatus: 409, retryable: false, kind: 'not_available' });

/** The registry: numbers held by a RespOrg unit; `plan` makes the next calls answer 202 (work done on `complete`). */
export function fakeRegistry() {
  const numbers = new Map<string, Held>();
  const calls: string[] = [];
  const plan: '202'[] = [];
  const deferred = new Map<string, () => unknown>();
  const answers = new Map<string, { data: unknown } | { error: ProviderError }>();
  let seq = 0;
  const version = () => `rv${++seq}`;

  function answer<T>(path: string, operation: SomosOperation, work: () => T): SomosResult<T> {
    if (plan.shift() === '202') {
      const reqId = `somos-req-${++seq}`;
      deferred.set(reqId, work);
      return { pending: true, reqId, path, operation } satisfies SomosPending;
    }
    return { pending: false, data: work() };
  }
  const held = (ctx: SomosCallContext, num: string, status: Held['status']): Held => {
    const entry = numbers.get(num);
    if (!entry || entry.respOrgId !== ctx.roid || entry.status !== status) throw taken(num);
    return entry;
  };
  /** Future-dated customer record versions (PENDING) per number, next to the current one. */
  const pendingVersions = new Map<string, { effDtTm: string; recVersionId: string }[]>();
  const write = (num: string, entry: Held, status: string): SomosCustomerRecordWrite => ({ num, recVersionId: entry.recVersionId, status, effDtTm: '2026-12-01T10:00:00Z' });

  const registry = {
    async searchAndReserve(ctx: SomosCallContext, request: SomosReserveRequest): Promise<SomosResult<string[]>> {
      calls.push('searchAndReserve');
      if (request.kind !== 'specific') throw new Error('the fake registry reserves numbers asked for by name only');
      return answer('/v3/ip/num/tfn/srchres/specific', 'searchAndReserve', () => {
        const spare = request.numbers.filter((n) => !numbers.has(n));
        if (spare.length === 0) throw taken(request.numbers.join(','));
        for (const n of spare) numbers.set(n, { status: 'RESERVED', respOrgId: ctx.roid });
        return spare;
      });
    },
    async query(_ctx: SomosCallContext, num: string): Promise<SomosResult<SomosNumberInfo>> {
      calls.push(`query ${num}`);
      const entry = numbers.get(num);
      return { pending: false, data: { num, status: entry?.status ?? 'SPARE', ...(entry ? { respOrgId: entry.respOrgId } : {}) } };
    },
    async releaseReservation(ctx: SomosCallContext, num: string): Promise<SomosResult<SomosReleaseResult>> {
      calls.push(`release ${num}`);
      return answer('/v3/ip/num/tfn/update', 'release', () => {
        held(ctx, num, 'RESERVED');
        numbers.delete(num);
        return { num };
      });
    },
    async createCustomerRecord(ctx: SomosCallContext, input: CustomerRecordInput): Promise<SomosResult<SomosCustomerRecordWrite>> {
      calls.push(`createCustomerRecord ${input.num}`);
      if (input.effectiveAt instanceof Date && numbers.get(input.num)?.status === 'WORKING') {
        // A future-dated change of a working number: its own PENDING version.
        const effDtTm = formatEffectiveAt(input.effectiveAt);
        return answer('/v3/ip/cus/rec', 'createCustomerRecord', () => {
          held(ctx, input.num, 'WORKING');
          const created = { effDtTm, recVersionId: version() };
          pendingVersions.set(input.num, [...(pendingVersions.get(input.num) ?? []), created]);
          return { num: input.num, recVersionId: created.recVersionId, status: 'PENDING', effDtTm };
        });
      }
      return answer('/v3/ip/cus/rec', 'createCustomerRecord', () => {
        const entry = held(ctx, input.num, 'RESERVED');
        Object.assign(entry, { status: 'WORKING', recVersionId: version() });
        return write(input.num, entry, 'ACTIVE');
      });
    },
    async updateCustomerRecord(ctx: SomosCallContext, input: CustomerRecordInput & { recVersionId: string }): Promise<SomosResult<SomosCustomerRecordWrite>> {
      calls.push(`updateCustomerRecord ${input.num}`);
      return answer('/v3/ip/cus/rec', 'updateCustomerRecord', () => {
        const entry = held(ctx, input.num, 'WORKING');
        if (entry.recVersionId !== input.recVersionId) throw new ProviderError('somos', 'stale version', { httpStatus: 409, retryable: false });
        entry.recVersionId = version();
        return write(input.num, entry, 'ACTIVE');
      });
    },
    async retrieveCustomerRecord(_ctx: SomosCallContext, num: string): Promise<SomosResult<SomosCustomerRecordInfo>> {
      calls.push(`retrieveCustomerRecord ${num}`);
      const entry = numbers.get(num);
      if (!entry?.recVersionId) throw new ProviderError('somos', `no customer record for ${num}`, { httpStatus: 404, retryable: false });
      const versions = [
        { effDtTm: '2026-12-01T10:00Z', status: 'ACTIVE', recVersionId: entry.recVersionId },
        ...(pendingVersions.get(num) ?? []).map((v) => ({ ...v, status: 'PENDING' })),
      ];
      return { pending: false, data: { num, recVersionId: entry.recVersionId, respOrgId: entry.respOrgId, status: 'ACTIVE', versions, routing: {} as SomosCustomerRecordInfo['routing'], record: {} } };
    },
    async deleteCustomerRecordVersion(ctx: SomosCallContext, target: { num: string; effDtTm: string; recVersionId: string }): Promise<SomosResult<SomosCustomerRecordWrite>> {
      calls.push(`deleteCustomerRecordVersion ${target.num} ${target.effDtTm}`);
      return answer(`/v3/ip/cus/rec/tfnum/${target.num}`, 'deleteCustomerRecord', () => {
        held(ctx, target.num, 'WORKING');
        const list = pendingVersions.get(target.num) ?? [];
        if (!list.some((v) => v.recVersionId === target.recVersionId)) throw new ProviderError('somos', 'no such version', { httpStatus: 404, retryable: false });
        pendingVersions.set(target.num, list.filter((v) => v.recVersionId !== target.recVersionId));
        return { num: target.num, recVersionId: target.recVersionId, status: 'DELETED', effDtTm: target.effDtTm };
      });
    },
    async disconnectCustomerRecord(ctx: SomosCallContext, input: SomosDisconnectInput): Promise<SomosResult<SomosCustomerRecordWrite>> {
      calls.push(`disconnectCustomerRecord ${input.num}`);
      return answer('/v3/ip/cus/rec/disconnect', 'disconnectCustomerRecord', () => {
        const entry = held(ctx, input.num, 'WORKING');
        Object.assign(entry, { status: 'DISCONNECT', recVersionId: version() });
        return write(input.num, entry, 'DISCONNECT');
      });
    },
    async retrieve<T>(_ctx: SomosCallContext, pending: Pick<SomosPending, 'path' | 'reqId'>): Promise<SomosResult<T>> {
      calls.push(`retrieve ${pending.reqId}`);
      const done = answers.get(pending.reqId);
      if (!done) return { pending: true, reqId: pending.reqId, path: pending.path };
      if ('error' in done) throw done.error;
      return { pending: false, data: done.data as T };
    },
  } as SomosRegistryClient;

  return {
    registry,
    numbers,
    pendingVersions,
    calls,
    plan,
    /** The registry finishes a 202'd request: its work is done and `retrieve` answers with the result. */
    complete(reqId: string) {
      const work = deferred.get(reqId);
      if (!work) throw new Error(`no deferred request ${reqId}`);
      answers.set(reqId, { data: work() });
    },
    /** The registry ends a 202'd request with a permanent error (nothing done). */
    fail(reqId: string, message: string) {
      answers.set(reqId, { error: new ProviderError('somos', message, { httpStatus: 400, retryable: false, providerCode: 'ERR400' }) });
    },
  };
}

export function arrange() {
  const mem = memoryFirestore();
  const somos = fakeRegistry();
  const tasks: TaskRequest[] = [];
  const deps = {
    db: async () => mem.firestore,
    now: () => new Date('2026-12-01T10:00:00.000Z'),
    config: parseConfig({
      GOOGLE_CLOUD_PROJECT: 'p',
      PLATFORM_ENV: 'test',
      PUBLIC_BASE_URL: 'https://api.example.test',
      SOMOS_DEFAULT_RESPORG_ID: ROID,
      SOMOS_DEFAULT_DISASTER_NUMBER: '+13125550100',
      SOMOS_DEFAULT_CARRIERS: '0555',
    }),
    somos: async () => ({ registry: somos.registry }) as SomosPlatform,
    tasks: {
      enqueue: async (task: TaskRequest) => {
        tasks.push(task);
        return { name: task.id ?? 'task', deduplicated: false };
      },
    },
    log: logger,
  } satisfies Pick<Deps, 'db' | 'now' | 'config' | 'somos' | 'tasks' | 'log'>;
  const numberOf = (tenantId: string, num: string) => mem.read(`tenants/${tenantId}/tollfreeNumbers/${num}`);
  const ownerOf = (num: string) => mem.read(`tollfreeOwners/${num}`);
  const requestOf = (tenantId: string, id: string) => mem.read(`tenants/${tenantId}/tollfreeRequests/${id}`);
  return { mem, somos, tasks, deps, numberOf, ownerOf, requestOf };
}

export const contact = { contactName: 'Ops', contactPhone: '+13125550111' };

/** A world where tenant t1 holds `num` reserved (and, with `active`, activated); the registry calls and tasks so far forgotten. */
export async function arrangeHeld(num: string, options: { active?: boolean } = {}) {
  const world = arrange();
  await reserveNumbers(world.deps)('t1', { spec: { numbers: [`+1${num}`] }, ...contact }, audit);
  if (options.active) await activateNumber(world.deps)('t1', num, routingTo('+13125550123'), audit);
  world.somos.calls.length = 0;
  world.tasks.length = 0;
  return world;
}
