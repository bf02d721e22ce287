import { createHash } from 'node:crypto';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError, conflict, notFound } from '../../../shared/http/errors.js';
import type { NumberProvider, NumberType } from '../../../shared/providers/types.js';
import type { TelnyxProvider } from '../../../shared/providers/telnyx/client.js';
import { formatAddress } from '../../../shared/domain/address.js';
import {
  createRequirementsRepository,
  requirementGroups,
  type RequirementAction,
  type RequirementField,
  type RequirementGroupRecord,
  type RequirementsList,
  type RequirementValue,
} from '../repository.js';

/**
 * Regulatory requirements (Telnyx): what a country asks for before it sells a number, and the
 * tenant's requirement groups that answer it. Progress is saved at every submission, so a client
 * can resume from any device; documents go to the provider and only their ids are kept here.
 */
export {
  parseRequirementGroup,
  requirementGroups,
  type GroupStatus,
  type RequirementAction,
  type RequirementField,
  type RequirementGroupRecord,
  type RequirementValue,
} from '../repository.js';

/**
 * One group per (tenant, company, country, type, action): a deterministic id makes get-or-create
 * race-free. Without a company, the tenant's own group (the id it always had).
 */
export const groupIdFor = (tenantId: string, country: string, type: string, action: string, companyId?: string) =>
  `rqg_${createHash('sha256')
    .update([tenantId, country, type, action, ...(companyId !== undefined ? [`company:${companyId}`] : [])].join('|'))
    .digest('hex')
    .slice(0, 16)}`;

export type RequirementDeps = Pick<Deps, 'db' | 'providers' | 'now' | 'tasks' | 'config' | 'log'>;

function isRegulatory(provider: NumberProvider): provider is TelnyxProvider {
  return provider.capabilities.regulatoryRequirements === true && 'listRequirements' in provider;
}

export async function regulatoryProvider(deps: Pick<Deps, 'providers'>, tenantId: string, accountId?: string) {
  const resolved = accountId
    ? { provider: await deps.providers.forAccount(tenantId, 'telnyx', accountId), accountId }
    : await deps.providers.forTenant(tenantId, 'telnyx');
  if (!isRegulatory(resolved.provider)) throw new Error('telnyx provider lacks regulatory operations');
  return { provider: resolved.provider, accountId: resolved.accountId };
}

const CACHE_TTL_MS = 60 * 60 * 1000;
const memoryCache = new Map<string, { at: number; value: RequirementsList }>();

/** The requirement fields for a country/type/action, cached for an hour (per instance and in Firestore). */
export function listRequirements(deps: RequirementDeps) {
  return async (tenantId: string, query: { country: string; type: NumberType; action: RequirementAction }) => {
    const key = `telnyx_${query.country}_${query.type}_${query.action}`;
    const now = deps.now().getTime();
    const cached = memoryCache.get(key);
    if (cached && now - cached.at < CACHE_TTL_MS) return cached.value;
    const repository = createRequirementsRepository(deps.db);
    const stored = await repository.cachedRequirements(key);
    if (stored && now - Date.parse(stored.fetchedAt) < CACHE_TTL_MS) {
      const value = stored.value;
      memoryCache.set(key, { at: Date.parse(stored.fetchedAt), value });
      return value;
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
    await repository.storeRequirements(key, new Date(now).toISOString(), value);
    memoryCache.set(key, { at: now, value });
    return value;
  };
}

export function getOrCreateGroup(deps: RequirementDeps) {
  const repository = createRequirementsRepository(deps.db);
  return async (
    tenantId: string,
    input: { country: string; type: NumberType; action: RequirementAction; accountId?: string; companyId?: string },
    audit: AuditContext,
  ): Promise<{ record: RequirementGroupRecord; created: boolean }> => {
    const id = groupIdFor(tenantId, input.country, input.type, input.action, input.companyId);
    const now = deps.now();
    const { requirements, hasRequirements } = await listRequirements(deps)(tenantId, input);
    if (!hasRequirements) {
      throw new AppError('VALIDATION_ERROR', `${input.country} ${input.type} numbers have no ${input.action} requirements; no group is needed`, {
        issues: [{ path: 'body.country', message: 'no requirements' }],
      });
    }
    const claimed = await repository.claimGroup(tenantId, id, (existing) => {
      // A creation that died half-way (no provider group after a minute) may be retried.
      const stale = existing?.status === 'creating' && now.getTime() - Date.parse(existing.createdAt) > 60_000;
      if (existing && !stale) return { record: existing, mine: false };
      const record: RequirementGroupRecord = {
        id,
        tenantId,
        provider: 'telnyx',
        accountId: input.accountId ?? 'platform',
        ...(input.companyId !== undefined ? { companyId: input.companyId } : {}),
        country: input.country,
        type: input.type,
        action: input.action,
        status: 'creating',
        requirements,
        values: {},
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      return { record, mine: true };
    });
    if (!claimed.mine) return { record: claimed.record, created: false };

    try {
      const { provider, accountId } = await regulatoryProvider(deps, tenantId, input.accountId);
      const remote = await provider.createRequirementGroup({ country: input.country, type: input.type, action: input.action, customerReference: id });
      const record = await repository.groups.update(tenantId, id, audit, 'requirement_groups.create', (current) => ({
        ...current,
        accountId,
        providerGroupId: remote.id,
        status: remote.status,
        updatedAt: deps.now().toISOString(),
      }));
      return { record, created: true };
    } catch (err) {
      // Nothing half-written: the placeholder goes if the provider did not create the group.
      await repository.dropGroup(tenantId, id);
      throw err;
    }
  };
}

export async function requireEditable(deps: RequirementDeps, tenantId: string, id: string): Promise<RequirementGroupRecord> {
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

/**
 * Saves a value: text for a textual requirement; for an address requirement one of the tenant's
 * addresses (`addressId`), whose provider id is what the provider receives — never free text.
 */
export function setValue(deps: RequirementDeps) {
  const groups = requirementGroups(deps.db);
  return async (tenantId: string, id: string, requirementId: string, input: { value?: string; addressId?: string }, audit: AuditContext) => {
    const record = await requireEditable(deps, tenantId, id);
    const requirement = field(record, requirementId);
    if (requirement.kind === 'document') {
      throw new AppError('VALIDATION_ERROR', `${requirement.name} is a document; upload it to /documents/${requirementId}`, {
        issues: [{ path: 'body.value', message: 'document requirement' }],
      });
    }
    let saved: RequirementValue;
    let providerValue: string;
    const submittedAt = deps.now().toISOString();
    if (requirement.kind === 'address') {
      if (input.addressId === undefined) {
        throw new AppError('VALIDATION_ERROR', `${requirement.name} takes an address: create it with POST /v1/addresses, then send {"addressId": "adr_…"}`, {
          issues: [{ path: 'body.addressId', message: 'address requirement: an addressId is required, not free text' }],
          requirementId,
        });
      }
      const address = await usableAddress(deps, record, input.addressId);
      saved = { kind: 'address', addressId: address.id, value: address.formatted, submittedAt };
      providerValue = address.providerAddressId;
    } else {
      if (input.value === undefined) {
        throw new AppError('VALIDATION_ERROR', `${requirement.name} takes a text value, not an address`, { issues: [{ path: 'body.value', message: 'textual requirement: value is required' }], requirementId });
      }
      checkAcceptance(requirement, input.value);
      saved = { kind: requirement.kind, value: input.value, submittedAt };
      providerValue = input.value;
    }
    const { provider } = await regulatoryProvider(deps, tenantId, record.accountId);
    await provider.updateRequirementGroup(record.providerGroupId!, [{ requirementId, value: providerValue }]);
    return groups.update(tenantId, id, audit, 'requirement_groups.set_value', (current) => ({
      ...current,
      status: current.status === 'rejected' ? 'draft' : current.status,
      values: { ...current.values, [requirementId]: saved },
      updatedAt: deps.now().toISOString(),
    }));
  };
}

/** The tenant's ready address, created in the group's provider account and country. */
async function usableAddress(deps: RequirementDeps, group: RequirementGroupRecord, addressId: string) {
  const address = await createRequirementsRepository(deps.db).addresses.get(group.tenantId, addressId);
  const bad = (message: string) => new AppError('VALIDATION_ERROR', message, { issues: [{ path: 'body.addressId', message }] });
  if (!address) throw new AppError('NOT_FOUND', 'Address not found', { issues: [{ path: 'body.addressId', message: 'no such address in this tenant' }] });
  if (address.status !== 'ready' || !address.providerAddressId) throw conflict('This address is still being created; retry shortly');
  if (address.accountId !== group.accountId) throw bad(`the address was created in provider account ${address.accountId}, the group belongs to ${group.accountId}`);
  if (address.country !== group.country) throw bad(`the address is in ${address.country}; this group is for ${group.country} numbers`);
  return { id: address.id, providerAddressId: address.providerAddressId, formatted: formatAddress(address) };
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
        [requirementId]: { kind: 'document' as const, documentId: document.id, filename: file.filename, submittedAt: deps.now().toISOString() },
      },
      updatedAt: deps.now().toISOString(),
    }));
  };
}

export function completion(record: RequirementGroupRecord) {
  const remaining = record.requirements
    .filter((r) => !record.values[r.id]?.value && !record.values[r.id]?.documentId && !record.values[r.id]?.addressId)
    .map((r) => ({ requirementId: r.id, name: r.name, kind: r.kind }));
  const total = record.requirements.length;
  return {
    isComplete: remaining.length === 0,
    completionPercentage: total === 0 ? 100 : Math.round(((total - remaining.length) / total) * 100),
    remaining,
  };
}
