import { createHash } from 'node:crypto';
import { taskEndpoints, taskTarget } from '../../api/task-targets.js';
import type { AuditContext } from '../../domain/audit.js';
import type { Deps } from '../../deps.js';
import { AppError, conflict, notFound } from '../../http/errors.js';
import type { NumberProvider, NumberType } from '../../providers/types.js';
import type { TelnyxProvider } from '../../providers/telnyx/client.js';
import type { TelnyxRequirement } from '../../providers/telnyx/mapper.js';
import { createTenantCollection, type TenantDoc } from '../../store/tenant-collection.js';

/**
 * Regulatory requirements (Telnyx): what a country asks for before it sells a number, and the
 * tenant's requirement groups that answer it. Progress is saved at every submission, so a client
 * can resume from any device; documents go to the provider and only their ids are kept here.
 */
export type RequirementAction = 'ordering' | 'porting';
export type GroupStatus = 'creating' | 'draft' | 'pending' | 'approved' | 'rejected' | 'unapproved';

export interface RequirementField {
  id: string;
  name: string;
  kind: 'document' | 'textual' | 'address';
  description?: string;
  acceptanceCriteria: TelnyxRequirement['acceptanceCriteria'];
}

export interface RequirementGroupRecord extends TenantDoc {
  provider: 'telnyx';
  accountId: string;
  country: string;
  type: NumberType;
  action: RequirementAction;
  providerGroupId?: string;
  status: GroupStatus;
  statusReason?: string;
  requirements: RequirementField[];
  values: Record<string, { kind: RequirementField['kind']; value?: string; documentId?: string; filename?: string; submittedAt: string }>;
  submittedAt?: string;
  decidedAt?: string;
}

export const requirementGroups = (db: Deps['db']) =>
  createTenantCollection<RequirementGroupRecord>(db, {
    collection: 'requirementGroups',
    idPrefix: 'rqg',
    resource: 'requirement-groups',
    label: 'Requirement group',
  });

/** One group per (tenant, country, type, action): a deterministic id makes get-or-create race-free. */
export const groupIdFor = (tenantId: string, country: string, type: string, action: string) =>
  `rqg_${createHash('sha256').update([tenantId, country, type, action].join('|')).digest('hex').slice(0, 16)}`;

type RequirementDeps = Pick<Deps, 'db' | 'providers' | 'now' | 'tasks' | 'config' | 'log'>;

function isRegulatory(provider: NumberProvider): provider is TelnyxProvider {
  return provider.capabilities.regulatoryRequirements === true && 'listRequirements' in provider;
}

async function regulatoryProvider(deps: RequirementDeps, tenantId: string, accountId?: string) {
  const resolved = accountId
    ? { provider: await deps.providers.forAccount(tenantId, 'telnyx', accountId), accountId }
    : await deps.providers.forTenant(tenantId, 'telnyx');
  if (!isRegulatory(resolved.provider)) throw new Error('telnyx provider lacks regulatory operations');
  return { provider: resolved.provider, accountId: resolved.accountId };
}

const CACHE_TTL_MS = 60 * 60 * 1000;
const memoryCache = new Map<string, { at: number; value: { hasRequirements: boolean; requirements: RequirementField[] } }>();

/** The requirement fields for a country/type/action, cached for an hour (per instance and in Firestore). */
export function listRequirements(deps: RequirementDeps) {
  return async (tenantId: string, query: { country: string; type: NumberType; action: RequirementAction }) => {
    const key = `telnyx_${query.country}_${query.type}_${query.action}`;
    const now = deps.now().getTime();
    const cached = memoryCache.get(key);
    if (cached && now - cached.at < CACHE_TTL_MS) return cached.value;
    const db = await deps.db();
    const ref = db.doc(`platform/requirementsCache/entries/${key}`);
    const stored = (await ref.get()).data() as { fetchedAt: string; value: { hasRequirements: boolean; requirements: RequirementField[] } } | undefined;
    if (stored && now - Date.parse(stored.fetchedAt) < CACHE_TTL_MS) {
      memoryCache.set(key, { at: Date.parse(stored.fetchedAt), value: stored.value });
      return stored.value;
    }
    const { provider } = await regulatoryProvider(deps, tenantId);
    const list = await provider.listRequirements(query);
    const value = {
      hasRequirements: list.hasRequirements,
      requirements: list.requirements.map((r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind,
        ...(r.description ? { description: r.description } : {}),
        acceptanceCriteria: r.acceptanceCriteria,
      })),
    };
    await ref.set(JSON.parse(JSON.stringify({ fetchedAt: new Date(now).toISOString(), value })));
    memoryCache.set(key, { at: now, value });
    return value;
  };
}

export function getOrCreateGroup(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (
    tenantId: string,
    input: { country: string; type: NumberType; action: RequirementAction; accountId?: string },
    audit: AuditContext,
  ): Promise<{ record: RequirementGroupRecord; created: boolean }> => {
    const id = groupIdFor(tenantId, input.country, input.type, input.action);
    const db = await deps.db();
    const ref = db.doc(`tenants/${tenantId}/requirementGroups/${id}`);
    const now = deps.now();
    const { requirements, hasRequirements } = await listRequirements(deps)(tenantId, input);
    if (!hasRequirements) {
      throw new AppError('VALIDATION_ERROR', `${input.country} ${input.type} numbers have no ${input.action} requirements; no group is needed`, {
        issues: [{ path: 'body.country', message: 'no requirements' }],
      });
    }
    const claimed = await db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      const existing = snap.data() as RequirementGroupRecord | undefined;
      // A creation that died half-way (no provider group after a minute) may be retried.
      const stale = existing?.status === 'creating' && now.getTime() - Date.parse(existing.createdAt) > 60_000;
      if (existing && !stale) return { record: existing, mine: false };
      const record: RequirementGroupRecord = {
        id,
        tenantId,
        provider: 'telnyx',
        accountId: input.accountId ?? 'platform',
        country: input.country,
        type: input.type,
        action: input.action,
        status: 'creating',
        requirements,
        values: {},
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      tx.set(ref, record);
      return { record, mine: true };
    });
    if (!claimed.mine) return { record: claimed.record, created: false };

    try {
      const { provider, accountId } = await regulatoryProvider(deps, tenantId, input.accountId);
      const remote = await provider.createRequirementGroup({ ...input, customerReference: id });
      const record = await groups.update(tenantId, id, audit, 'requirement_groups.create', (current) => ({
        ...current,
        accountId,
        providerGroupId: remote.id,
        status: remote.status,
        updatedAt: deps.now().toISOString(),
      }));
      return { record, created: true };
    } catch (err) {
      // Nothing half-written: the placeholder goes if the provider did not create the group.
      await ref.delete().catch(() => undefined);
      throw err;
    }
  };
}

async function requireEditable(deps: RequirementDeps, tenantId: string, id: string): Promise<RequirementGroupRecord> {
  const record = await requirementGroups(deps.db).require(tenantId, id);
  if (record.status === 'creating' || !record.providerGroupId) throw conflict('This requirement group is still being created; retry shortly');
  if (record.status === 'pending' || record.status === 'approved') {
    throw conflict(`This requirement group is ${record.status}; it can no longer be changed`, { status: record.status });
  }
  return record;
}

function field(record: RequirementGroupRecord, requirementId: string): RequirementField {
  const requirement = record.requirements.find((r) => r.id === requirementId);
  if (!requirement) throw notFound(`Requirement ${requirementId} of this group`);
  return requirement;
}

/** Checks a value against the provider's acceptance criteria, naming the rule it breaks. */
export function checkAcceptance(requirement: RequirementField, value: string): void {
  const c = requirement.acceptanceCriteria ?? {};
  const fail = (message: string) => {
    throw new AppError('VALIDATION_ERROR', `${requirement.name}: ${message}`, {
      issues: [{ path: 'body.value', message }],
      requirementId: requirement.id,
    });
  };
  if (c.minLength !== undefined && value.length < c.minLength) fail(`must be at least ${c.minLength} characters`);
  if (c.maxLength !== undefined && value.length > c.maxLength) fail(`must be at most ${c.maxLength} characters`);
  if (c.acceptableValues?.length && !c.acceptableValues.includes(value)) fail(`must be one of: ${c.acceptableValues.join(', ')}`);
  if (c.regex) {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(c.regex);
    } catch {
      pattern = undefined; // the provider's pattern is not valid JS: leave it to the provider
    }
    if (pattern && !pattern.test(value)) fail('does not have the required format');
  }
}

export function setValue(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (tenantId: string, id: string, requirementId: string, value: string, audit: AuditContext) => {
    const record = await requireEditable(deps, tenantId, id);
    const requirement = field(record, requirementId);
    if (requirement.kind === 'document') {
      throw new AppError('VALIDATION_ERROR', `${requirement.name} is a document; upload it to /documents/${requirementId}`, {
        issues: [{ path: 'body.value', message: 'document requirement' }],
      });
    }
    checkAcceptance(requirement, value);
    const { provider } = await regulatoryProvider(deps, tenantId, record.accountId);
    await provider.updateRequirementGroup(record.providerGroupId!, [{ requirementId, value }]);
    return groups.update(tenantId, id, audit, 'requirement_groups.set_value', (current) => ({
      ...current,
      status: current.status === 'rejected' ? 'draft' : current.status,
      values: { ...current.values, [requirementId]: { kind: requirement.kind, value, submittedAt: deps.now().toISOString() } },
      updatedAt: deps.now().toISOString(),
    }));
  };
}

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** The file's real type, from its first bytes: the name and the declared type are not trusted. */
export function sniffDocumentType(data: Buffer): 'application/pdf' | 'image/jpeg' | 'image/png' | undefined {
  if (data.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return undefined;
}

export function attachDocument(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (
    tenantId: string,
    id: string,
    requirementId: string,
    file: { filename: string; data: Buffer },
    audit: AuditContext,
  ) => {
    const record = await requireEditable(deps, tenantId, id);
    const requirement = field(record, requirementId);
    if (requirement.kind !== 'document') {
      throw new AppError('VALIDATION_ERROR', `${requirement.name} takes a value, not a document; use /values/${requirementId}`, {
        issues: [{ path: 'body.file', message: `${requirement.kind} requirement` }],
      });
    }
    if (file.data.length === 0) throw new AppError('VALIDATION_ERROR', 'The uploaded file is empty', { issues: [{ path: 'body.file', message: 'empty' }] });
    if (file.data.length > MAX_DOCUMENT_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'Documents are limited to 10 MB');
    const contentType = sniffDocumentType(file.data);
    if (!contentType) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Documents must be PDF, JPEG or PNG files (checked by content, not by name)', {
        issues: [{ path: 'body.file', message: 'not a PDF, JPEG or PNG' }],
      });
    }
    const { provider } = await regulatoryProvider(deps, tenantId, record.accountId);
    const document = await provider.uploadDocument({ filename: file.filename, contentType, data: file.data, customerReference: id });
    await provider.updateRequirementGroup(record.providerGroupId!, [{ requirementId, value: document.id }]);
    return groups.update(tenantId, id, audit, 'requirement_groups.attach_document', (current) => ({
      ...current,
      status: current.status === 'rejected' ? 'draft' : current.status,
      values: {
        ...current.values,
        [requirementId]: { kind: 'document', documentId: document.id, filename: file.filename, submittedAt: deps.now().toISOString() },
      },
      updatedAt: deps.now().toISOString(),
    }));
  };
}

export function completion(record: RequirementGroupRecord) {
  const remaining = record.requirements
    .filter((r) => !record.values[r.id]?.value && !record.values[r.id]?.documentId)
    .map((r) => ({ requirementId: r.id, name: r.name, kind: r.kind }));
  const total = record.requirements.length;
  return {
    isComplete: remaining.length === 0,
    completionPercentage: total === 0 ? 100 : Math.round(((total - remaining.length) / total) * 100),
    remaining,
  };
}

/** Brings a submitted group's approval status up to date from the provider. */
export function refreshGroup(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (record: RequirementGroupRecord, audit: AuditContext): Promise<RequirementGroupRecord> => {
    if (record.status !== 'pending' || !record.providerGroupId) return record;
    const { provider } = await regulatoryProvider(deps, record.tenantId, record.accountId);
    const remote = await provider.getRequirementGroup(record.providerGroupId);
    if (remote.status === record.status) return record;
    return groups.update(record.tenantId, record.id, audit, `requirement_groups.${remote.status}`, (current) => ({
      ...current,
      status: remote.status,
      ...(remote.status === 'approved' || remote.status === 'rejected' ? { decidedAt: deps.now().toISOString() } : {}),
      updatedAt: deps.now().toISOString(),
    }));
  };
}

export function submitGroup(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (tenantId: string, id: string, audit: AuditContext) => {
    const record = await requireEditable(deps, tenantId, id);
    const progress = completion(record);
    if (!progress.isComplete) {
      throw new AppError('REQUIREMENTS_INCOMPLETE', `${progress.remaining.length} requirement(s) still missing`, { remaining: progress.remaining });
    }
    const { provider } = await regulatoryProvider(deps, tenantId, record.accountId);
    const remote = await provider.submitRequirementGroup(record.providerGroupId!);
    const submitted = await groups.update(tenantId, id, audit, 'requirement_groups.submit', (current) => ({
      ...current,
      status: remote.status === 'draft' ? 'pending' : remote.status,
      submittedAt: deps.now().toISOString(),
      updatedAt: deps.now().toISOString(),
    }));
    await schedulePoll(deps, submitted, 0);
    return submitted;
  };
}

/** Approval arrives by polling (Cloud Tasks): every few minutes until decided, for at most a week. */
export const POLL_INTERVAL_MS = 5 * 60 * 1000;
const MAX_POLLS = (7 * 24 * 60 * 60 * 1000) / POLL_INTERVAL_MS;

export async function schedulePoll(deps: Pick<Deps, 'tasks' | 'config' | 'now'>, record: RequirementGroupRecord, attempt: number) {
  if (attempt >= MAX_POLLS) return;
  await deps.tasks.enqueue({
    queue: taskEndpoints.pollRequirementGroup.queue,
    ...taskTarget(deps.config, taskEndpoints.pollRequirementGroup),
    body: { tenantId: record.tenantId, groupId: record.id, attempt },
    scheduleAt: new Date(deps.now().getTime() + POLL_INTERVAL_MS),
    id: `rqg-poll-${record.tenantId}-${record.id}-${attempt}`,
  });
}

/**
 * The purchase precondition: a country/type with ordering requirements needs the tenant's group
 * approved. Answers REQUIREMENTS_INCOMPLETE with what is missing otherwise.
 */
export function requireApprovedGroup(deps: RequirementDeps) {
  return async (
    tenantId: string,
    purchase: { country: string; type: NumberType; requirementGroupId?: string },
    audit: AuditContext,
  ): Promise<{ id: string; providerGroupId: string } | undefined> => {
    const { hasRequirements } = await listRequirements(deps)(tenantId, { country: purchase.country, type: purchase.type, action: 'ordering' });
    if (!hasRequirements) return undefined;
    const id = purchase.requirementGroupId ?? groupIdFor(tenantId, purchase.country, purchase.type, 'ordering');
    let record = await requirementGroups(deps.db).get(tenantId, id);
    if (purchase.requirementGroupId && !record) throw notFound('Requirement group');
    if (record && (record.country !== purchase.country || record.type !== purchase.type)) {
      throw new AppError('VALIDATION_ERROR', `Requirement group ${id} is for ${record.country} ${record.type} numbers`, {
        issues: [{ path: 'body.requirementGroupId', message: 'country or type does not match the number' }],
      });
    }
    if (record) record = await refreshGroup(deps)(record, audit);
    if (!record || record.status !== 'approved') {
      const progress = record ? completion(record) : undefined;
      throw new AppError(
        'REQUIREMENTS_INCOMPLETE',
        !record
          ? `${purchase.country} ${purchase.type} numbers need approved regulatory requirements; create a requirement group first (POST /v1/requirement-groups)`
          : progress && !progress.isComplete
            ? `The requirement group is incomplete: ${progress.remaining.map((r) => r.name).join(', ')}`
            : `The requirement group is ${record.status}; numbers can be ordered once it is approved`,
        { requirementGroupId: record?.id ?? id, status: record?.status ?? 'missing', remaining: progress?.remaining ?? [] },
      );
    }
    return { id: record.id, providerGroupId: record.providerGroupId! };
  };
}
