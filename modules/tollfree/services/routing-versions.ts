import { randomBytes } from 'node:crypto';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import type { SomosCustomerRecordInfo } from '../../../shared/providers/somos/client.js';
import { formatEffectiveAt, type Routing } from '../../../shared/providers/somos/routing.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { inTransaction, mutateNumber, readNumber, requireNumber, requireNumberWithOwner, toView, writeNumber, type TollFreeRecord, type TollFreeView } from './number-records.js';
import { customerRecordInput, validateRouting, type RoutingInput } from './routing-input.js';
import { callContext } from './platform.js';

/**
 * Routing history: a change dated in the future is its own customer record version at the registry
 * (POST /cus/rec with that effDtTm; C: effDtTm on create and lstEffDtTms[] on retrieve; G: that a
 * second, future-dated version sits next to the working one), kept on our record as
 * `scheduledRouting[]` until it takes effect. The current routing stays as it is meanwhile: a change
 * made now (PUT on the current version), a disaster switch included, never touches a scheduled one.
 * A pending version can be cancelled (C1: DELETE /cus/rec/tfnum/{num}/effDtTm/{e}/recVersionId/{v}).
 */
export const MAX_SCHEDULED_VERSIONS = 5;
/** A change within this of now is a change now. */
const NOW_MARGIN_MS = 60_000;

import { cancellingOf, ScheduledRoutingSchema, type ScheduledRouting } from './scheduled-routing.js';

/** The stored list, parsed (an entry that does not parse is dropped, never trusted). */
export function scheduledOf(record: Pick<TollFreeRecord, 'scheduledRouting'>): ScheduledRouting[] {
  const list = Array.isArray(record.scheduledRouting) ? record.scheduledRouting : [];
  return list.flatMap((entry) => {
    const parsed = ScheduledRoutingSchema.safeParse(entry);
    return parsed.success ? [parsed.data] : [];
  });
}

export const isFutureChange = (effectiveAt: string | undefined, now: Date): boolean =>
  effectiveAt !== undefined && Date.parse(effectiveAt) > now.getTime() + NOW_MARGIN_MS;

type VersionDeps = Pick<Deps, 'db' | 'config' | 'now' | 'somos' | 'tasks'>;

/** The value with object keys sorted: the same routing however its fields were ordered. */
const sortedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sortedKeys)
    : value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortedKeys(v)]))
      : value;

const registryBusy = () => new AppError('SERVICE_UNAVAILABLE', 'The registry is busy; retry shortly', { retryable: true }, 5);
export const sameMinute = (a: string, b: string) => Math.floor(Date.parse(a) / 60_000) === Math.floor(Date.parse(b) / 60_000);

/** Creates a future-dated version at the registry and keeps it on the record (the current routing is untouched). */
export function scheduleRouting(deps: VersionDeps) {
  return async (tenantId: string, num: string, input: RoutingInput, audit: AuditContext): Promise<TollFreeView> => {
    const { record, assertOwned } = await requireNumberWithOwner(deps, tenantId, num);
    if (record.status !== 'active') throw conflict(`Routing can only be scheduled on an active number; this one is ${record.status}`, { status: record.status });
    if (record.pendingRequestId) {
      throw conflict('A registry request for this number is still pending; poll it first', { requestId: record.pendingRequestId, poll: `/v1/tollfree/requests/${record.pendingRequestId}` });
    }
    await assertOwned();
    const valid = validateRouting(deps.config, num, record.respOrgId, input, deps.now());
    const effDtTm = formatEffectiveAt(valid.effectiveAt);
    const effectiveAt = new Date(Date.parse(effDtTm)).toISOString();
    const scheduled = scheduledOf(record);
    const same = scheduled.find((v) => sameMinute(v.effectiveAt, effectiveAt));
    // The same change again (a retried request or job item): already scheduled, nothing more to do.
    if (same && same.mode === valid.mode && JSON.stringify(sortedKeys(same.routing)) === JSON.stringify(sortedKeys(valid.routing))) return toView(record);
    if (same) {
      throw conflict(`A routing change is already scheduled for ${effectiveAt}; cancel it first`, { effectiveAt });
    }
    if (scheduled.length >= MAX_SCHEDULED_VERSIONS) {
      throw conflict(`At most ${MAX_SCHEDULED_VERSIONS} routing changes can be scheduled; cancel one first`, { scheduled: scheduled.length });
    }
    if (disconnecting(record, deps.now())) throw conflict('The number’s routing versions are being withdrawn (a disconnect is under way)', { status: record.status });
    const { registry } = await deps.somos();
    const result = await registry.createCustomerRecord(callContext(record), customerRecordInput(deps.config, record, valid));
    // A 202: the version exists (or will) at the registry; its recVersionId is read when it is needed.
    const recVersionId = result.pending ? undefined : result.data.recVersionId;
    const now = deps.now().toISOString();
    const version: ScheduledRouting = {
      id: `rtv_${randomBytes(8).toString('hex')}`,
      routing: valid.routing,
      mode: valid.mode,
      disasterDefaulted: valid.disasterDefaulted,
      effectiveAt,
      effDtTm,
      ...(recVersionId ? { recVersionId } : {}),
      createdAt: now,
    };
    // Checked again where it is written: a disconnect or another change may have come meanwhile. A
    // version the registry made but this number may no longer have is recorded for withdrawal in the
    // same write (a retried disconnect also finishes it), then withdrawn, and the request refused.
    let refused: string | undefined;
    const written = await inTransaction(deps, async (t) => {
      const before = await readNumber(t, tenantId, num);
      if (!before) throw notFound('Toll-free number');
      const list = scheduledOf(before);
      refused = refusalOf(before, list, effectiveAt, deps.now());
      if (refused) {
        const intent = { id: version.id, effectiveAt, effDtTm, ...(recVersionId ? { recVersionId } : {}), refused: true as const };
        return writeNumber(t, audit, 'tollfree.routing_cancelled', before, { ...before, cancellingRouting: [...cancellingOf(before), intent], updatedAt: now });
      }
      return writeNumber(t, audit, 'tollfree.routing_scheduled', before, {
        ...before,
        scheduledRouting: [...list, version].sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt)),
        updatedAt: now,
      });
    });
    if (refused) {
      await withdrawRefused(deps, written, version, audit);
      throw conflict(`${refused}; the routing change was not scheduled`, { status: written.status });
    }
    return toView(written);
  };
}

/**
 * A disconnect of the number is under way: it has started withdrawing the number's versions (a
 * refused version's own withdrawal does not count), or it marked the number within DISCONNECT_WINDOW_MS
 * (a disconnect answers in seconds, or leaves a pending request, checked apart; an older mark is one that
 * failed or died, and blocks nothing).
 */
const DISCONNECT_WINDOW_MS = 10 * 60_000;
const disconnecting = (record: TollFreeRecord, now: Date) =>
  cancellingOf(record).some((v) => !v.refused) || (record.disconnectingAt !== undefined && Date.parse(record.disconnectingAt) > now.getTime() - DISCONNECT_WINDOW_MS);

/** Why a version may not be added to the number as it stands now, if it may not. */
function refusalOf(record: TollFreeRecord, list: ScheduledRouting[], effectiveAt: string, now: Date): string | undefined {
  if (record.status !== 'active') return `The number is ${record.status} now`;
  if (record.pendingRequestId) return 'A registry request for this number is still pending';
  if (disconnecting(record, now)) return 'The number’s routing versions are being withdrawn (a disconnect is under way)';
  if (list.some((v) => sameMinute(v.effectiveAt, effectiveAt))) return `A routing change is already scheduled for ${effectiveAt}; cancel it first`;
  if (list.length >= MAX_SCHEDULED_VERSIONS) return `At most ${MAX_SCHEDULED_VERSIONS} routing changes can be scheduled; cancel one first`;
  return undefined;
}

/**
 * Deletes at the registry a version refused here (found by its recVersionId, or by its time when the
 * registry answered 202 and no other version of ours shares that minute), then clears its intent. What
 * cannot be done now stays in the intent, for the number's disconnect to finish.
 */
async function withdrawRefused(deps: VersionDeps, record: TollFreeRecord, version: ScheduledRouting, audit: AuditContext): Promise<void> {
  try {
    const info = await registryVersions(deps, record);
    if (info && 'pending' in info) return;
    // Without its recVersionId, a version is told apart by its time only if no kept one shares it.
    if (!version.recVersionId && scheduledOf(record).some((v) => sameMinute(v.effectiveAt, version.effectiveAt))) return;
    const atRegistry = info?.versions?.find((v) => (version.recVersionId ? v.recVersionId === version.recVersionId : sameMinute(v.effDtTm, version.effectiveAt)));
    if (atRegistry && (!atRegistry.status || atRegistry.status === 'PENDING')) {
      const recVersionId = atRegistry.recVersionId ?? version.recVersionId;
      if (!recVersionId) return;
      if (!(await deleteVersionAtRegistry(deps, record, version.effDtTm, recVersionId))) return;
    }
    await mutateNumber(deps, record.tenantId, record.id, audit, 'tollfree.routing_withdrawn', (before) => {
      const intent = cancellingOf(before);
      if (!intent.some((v) => v.id === version.id)) return undefined;
      const rest = intent.filter((v) => v.id !== version.id);
      const { cancellingRouting: _intent, ...others } = before;
      return { ...others, ...(rest.length ? { cancellingRouting: rest } : {}), updatedAt: deps.now().toISOString() };
    });
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    // The registry could not be reached: the intent stays for the disconnect to finish.
  }
}

/**
 * Versions whose time has come become the current routing on our record (the registry switched on
 * its own). Returns the record as it now stands.
 */
export async function settleDueVersions(deps: Pick<Deps, 'db' | 'now'>, record: TollFreeRecord, audit: AuditContext): Promise<TollFreeRecord> {
  const now = deps.now();
  if (!scheduledOf(record).some((v) => Date.parse(v.effectiveAt) <= now.getTime())) return record;
  return mutateNumber(deps, record.tenantId, record.id, audit, 'tollfree.routing_version_effective', (before) => {
    const list = scheduledOf(before);
    const due = list.filter((v) => Date.parse(v.effectiveAt) <= now.getTime());
    const latest = due.at(-1);
    if (!latest || before.status !== 'active') return undefined;
    const { customerRecord: _stale, ...rest } = before;
    return {
      ...rest,
      routing: latest.routing,
      routingMode: latest.mode,
      disasterDefaulted: latest.disasterDefaulted,
      routingEffectiveAt: latest.effectiveAt,
      ...(latest.recVersionId ? { customerRecord: { recVersionId: latest.recVersionId, status: 'ACTIVE', effDtTm: latest.effDtTm } } : {}),
      scheduledRouting: list.filter((v) => !due.includes(v)),
      updatedAt: now.toISOString(),
    };
  });
}

export interface RoutingVersionView {
  id: string;
  status: 'current' | 'pending';
  routing?: Routing;
  mode: 'normal' | 'disaster';
  disasterDefaulted?: boolean;
  effectiveAt?: string;
  createdAt?: string;
}

export interface RoutingVersionsView {
  number: string;
  phoneNumber: string;
  data: RoutingVersionView[];
  /** The customer record versions as the registry lists them (effDtTm, custRecStat). */
  registry?: { versions: { effectiveAt: string; status?: string }[] } | { error: string } | { pending: true };
}

const CURRENT_ID = 'current';

function versionsView(record: TollFreeRecord): RoutingVersionView[] {
  const current: RoutingVersionView[] = record.routing
    ? [
        {
          id: CURRENT_ID,
          status: 'current',
          routing: record.routing,
          mode: record.routingMode ?? 'normal',
          ...(record.disasterDefaulted !== undefined ? { disasterDefaulted: record.disasterDefaulted } : {}),
          ...(record.routingEffectiveAt ? { effectiveAt: record.routingEffectiveAt } : {}),
        },
      ]
    : [];
  const pending = scheduledOf(record).map((v): RoutingVersionView => ({
    id: v.id,
    status: 'pending',
    routing: v.routing,
    mode: v.mode,
    disasterDefaulted: v.disasterDefaulted,
    effectiveAt: v.effectiveAt,
    createdAt: v.createdAt,
  }));
  return [...current, ...pending];
}

/**
 * Deletes a pending version at the registry (C1: DELETE /cus/rec/tfnum/{num}/effDtTm/{e}/recVersionId/{v}).
 * False when the registry answered 202 (not done yet); a version already gone there counts as deleted.
 */
export async function deleteVersionAtRegistry(deps: Pick<Deps, 'somos'>, record: TollFreeRecord, effDtTm: string, recVersionId: string): Promise<boolean> {
  const { registry } = await deps.somos();
  try {
    return !(await registry.deleteCustomerRecordVersion(callContext(record), { num: record.id, effDtTm, recVersionId })).pending;
  } catch (err) {
    if (err instanceof ProviderError && err.info.httpStatus === 404) return true;
    throw err;
  }
}

/** The registry's customer record with its version list; undefined when it has none (404). */
export async function registryVersions(deps: VersionDeps, record: TollFreeRecord): Promise<SomosCustomerRecordInfo | { pending: true } | undefined> {
  const { registry } = await deps.somos();
  try {
    const found = await registry.retrieveCustomerRecord(callContext(record), record.id);
    return found.pending ? { pending: true } : found.data;
  } catch (err) {
    if (err instanceof ProviderError && err.info.httpStatus === 404) return undefined;
    throw err;
  }
}

/** GET /v1/tollfree/{number}/routing: the current routing and the pending versions, with the registry's list. */
export function listRoutingVersions(deps: VersionDeps) {
  return async (tenantId: string, num: string, audit: AuditContext): Promise<RoutingVersionsView> => {
    const record = await settleDueVersions(deps, await requireNumber(deps, tenantId, num), audit);
    let registry: RoutingVersionsView['registry'];
    if (record.status === 'active') {
      try {
        const info = await registryVersions(deps, record);
        if (info && 'pending' in info) registry = { pending: true };
        else registry = { versions: (info?.versions ?? []).map((v) => ({ effectiveAt: v.effDtTm, ...(v.status ? { status: v.status } : {}) })) };
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        registry = { error: err.message.slice(0, 300) };
      }
    }
    return { number: record.id, phoneNumber: record.phoneNumber, data: versionsView(record), ...(registry ? { registry } : {}) };
  };
}

/** DELETE /v1/tollfree/{number}/routing/{versionId}: a pending version is withdrawn at the registry and here. */
export function cancelRoutingVersion(deps: VersionDeps) {
  return async (tenantId: string, num: string, versionId: string, audit: AuditContext): Promise<RoutingVersionsView> => {
    const held = await requireNumberWithOwner(deps, tenantId, num);
    const record = await settleDueVersions(deps, held.record, audit);
    if (versionId === CURRENT_ID) throw conflict('The current routing cannot be cancelled; change it with PUT /v1/tollfree/{number}/routing');
    const version = scheduledOf(record).find((v) => v.id === versionId);
    if (!version) throw notFound('Routing version');
    await held.assertOwned();
    // The registry's own list names the version's recVersionId now (ours may be missing or stale).
    const info = await registryVersions(deps, record);
    if (info && 'pending' in info) throw registryBusy();
    const atRegistry = info?.versions?.find((v) => sameMinute(v.effDtTm, version.effectiveAt));
    if (atRegistry && atRegistry.status && atRegistry.status !== 'PENDING') {
      throw conflict(`The registry shows this version as ${atRegistry.status}; it can no longer be cancelled`, { registryStatus: atRegistry.status });
    }
    const recVersionId = atRegistry?.recVersionId ?? version.recVersionId;
    if (atRegistry && recVersionId && !(await deleteVersionAtRegistry(deps, record, version.effDtTm, recVersionId))) throw registryBusy();
    const now = deps.now().toISOString();
    const written = await mutateNumber(deps, tenantId, num, audit, 'tollfree.routing_cancelled', (before) => {
      const list = scheduledOf(before);
      if (!list.some((v) => v.id === versionId)) return undefined;
      return { ...before, scheduledRouting: list.filter((v) => v.id !== versionId), updatedAt: now };
    });
    return { number: written.id, phoneNumber: written.phoneNumber, data: versionsView(written) };
  };
}

/**
 * PUT /v1/tollfree/{number}/routing without a routing body: a mode switch (e.g. to disaster) keeps the
 * current routing. The routing as stored, less a default disaster destination (applied again).
 */
export function currentRoutingFor(record: TollFreeRecord): Routing {
  if (!record.routing) throw conflict('This number has no routing yet; activate it with POST /v1/tollfree/{number}/activate');
  if (!record.disasterDefaulted) return record.routing;
  const { disaster: _default, ...rest } = record.routing;
  return rest;
}

/** The PUT body as a routing change: without `routing`, `mode` alone switches the current routing (400 when neither). */
export async function routingChangeInput(
  deps: Pick<Deps, 'db'>,
  tenantId: string,
  num: string,
  body: { routing?: unknown; effectiveAt?: string; mode?: 'normal' | 'disaster' },
): Promise<RoutingInput> {
  const rest = { ...(body.effectiveAt ? { effectiveAt: body.effectiveAt } : {}), ...(body.mode ? { mode: body.mode } : {}) };
  if (body.routing !== undefined) return { routing: body.routing, ...rest };
  if (!body.mode) {
    throw new AppError('VALIDATION_ERROR', 'Invalid body.routing: required (or send mode alone to switch the current routing, e.g. mode: "disaster")', {
      issues: [{ path: 'body.routing', message: 'required unless mode alone switches the current routing' }],
    });
  }
  const record = await requireNumber(deps, tenantId, num);
  if (record.status !== 'active') throw conflict(`Routing can only change on an active number; this one is ${record.status}`, { status: record.status });
  return { routing: currentRoutingFor(record), ...rest };
}
