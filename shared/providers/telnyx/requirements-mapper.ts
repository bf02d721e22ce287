/**
 * Telnyx's regulatory surface: requirement types (DocReqsRequirementType), requirement groups
 * (RequirementGroup / UserRequirement), documents (DocServiceDocument).
 * Contract: ../shared/contracts/telnyx/spec3.yml.
 */
import { ProviderError, type NumberType } from '../types.js';
import { obj, str, toInt, unwrapData } from './map-kit.js';
import { mapPhoneNumberType } from './numbers-mapper.js';

export type RequirementKind = 'document' | 'textual' | 'address';
export type RequirementAction = 'ordering' | 'porting' | 'branded_calling';

export interface RequirementAcceptanceCriteria {
  minLength?: number;
  maxLength?: number;
  acceptableValues?: string[];
  acceptableCharacters?: string;
  regex?: string;
  localityLimit?: string;
  timeLimit?: string;
}

/** One thing to provide. `id` is the requirement TYPE id: what requirement groups call `requirement_id`. */
export interface TelnyxRequirement {
  id: string;
  name: string;
  kind: RequirementKind;
  description?: string;
  example?: string;
  acceptanceCriteria: RequirementAcceptanceCriteria;
}

export interface TelnyxRequirementList {
  hasRequirements: boolean;
  requirements: TelnyxRequirement[];
}

/**
 * Requirement group / value status:
 * - draft: Telnyx `unapproved` — created or edited, not (yet) submitted or approved
 * - pending: `pending-approval` — submitted, under review
 * - approved: `approved`
 * - rejected: `declined`
 * - unapproved: `expired` (was approved, no longer valid) or a status we do not know
 */
export type RequirementGroupStatus = 'draft' | 'pending' | 'approved' | 'rejected' | 'unapproved';

export interface TelnyxRequirementGroup {
  id: string;
  status: RequirementGroupStatus;
  country?: string;
  type?: string;
  action?: string;
  customerReference?: string;
  values: Array<{ requirementId: string; value?: string; kind?: string; status: RequirementGroupStatus; statusReason?: string }>;
  /** Why the group was declined, when Telnyx says (not in the spec: read if present). */
  statusReason?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface TelnyxDocument {
  id: string;
  filename?: string;
  contentType?: string;
  sizeBytes?: number;
  sha256?: string;
  /** Telnyx review status: pending | verified | denied. */
  status?: string;
  customerReference?: string;
}

// ---------------------------------------------------------------------------------------------
// Requirements, requirement groups, documents

export function mapRequirementKind(value: unknown): RequirementKind {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === 'document') return 'document';
  if (v === 'address' || v === 'address_id') return 'address';
  return 'textual'; // textual, datetime, unknown: a value typed in
}

export function mapAcceptanceCriteria(raw: unknown): RequirementAcceptanceCriteria {
  const a = obj(raw);
  const out: RequirementAcceptanceCriteria = {};
  const minLength = toInt(a.min_length);
  const maxLength = toInt(a.max_length);
  const values = Array.isArray(a.acceptable_values) ? a.acceptable_values.filter((v): v is string => typeof v === 'string') : [];
  const chars = str(a.acceptable_characters);
  const regex = str(a.regex);
  const locality = str(a.locality_limit);
  const time = str(a.time_limit);
  if (minLength !== undefined) out.minLength = minLength;
  if (maxLength !== undefined) out.maxLength = maxLength;
  if (values.length > 0) out.acceptableValues = values;
  if (chars !== undefined) out.acceptableCharacters = chars;
  if (regex !== undefined) out.regex = regex;
  if (locality !== undefined) out.localityLimit = locality;
  if (time !== undefined) out.timeLimit = time;
  return out;
}

export interface RequirementFilter {
  country: string;
  type: NumberType;
  action: RequirementAction;
}

/**
 * GET /requirements pages → the requirement types that apply. Records are re-checked
 * against the filter (country, action incl. `both`, phone_number_type absent = all types);
 * requirement types are de-duplicated by id.
 */
export function mapRequirements(bodies: unknown[], filter: RequirementFilter): TelnyxRequirementList {
  const seen = new Map<string, TelnyxRequirement>();
  for (const body of bodies) {
    const list = unwrapData(body);
    if (!Array.isArray(list)) continue;
    for (const rec of list.map(obj)) {
      const cc = str(rec.country_code)?.toUpperCase();
      if (cc !== undefined && cc !== filter.country.toUpperCase()) continue;
      const action = str(rec.action);
      if (action !== undefined && action !== filter.action && action !== 'both') continue;
      const type = str(rec.phone_number_type);
      if (type !== undefined && mapPhoneNumberType(type) !== filter.type) continue;
      for (const t of Array.isArray(rec.requirement_types) ? rec.requirement_types.map(obj) : []) {
        const id = str(t.id);
        if (!id || seen.has(id)) continue;
        const req: TelnyxRequirement = { id, name: str(t.name) ?? id, kind: mapRequirementKind(t.type), acceptanceCriteria: mapAcceptanceCriteria(t.acceptance_criteria) };
        const description = str(t.description);
        const example = str(t.example);
        if (description !== undefined) req.description = description;
        if (example !== undefined) req.example = example;
        seen.set(id, req);
      }
    }
  }
  const requirements = [...seen.values()];
  return { hasRequirements: requirements.length > 0, requirements };
}

export function mapGroupStatus(value: unknown): RequirementGroupStatus {
  switch (typeof value === 'string' ? value.toLowerCase() : '') {
    case 'approved':
      return 'approved';
    case 'pending-approval':
    case 'pending_approval':
    case 'pending':
      return 'pending';
    case 'declined':
    case 'rejected':
      return 'rejected';
    case 'unapproved':
    case 'draft':
      return 'draft';
    default:
      return 'unapproved'; // expired, unknown
  }
}

/**
 * Why a group or one of its values was declined. The spec has no such field (UserRequirement:
 * status only); Telnyx explains declines elsewhere, so the usual names are read when present.
 */
function reasonOf(o: Record<string, unknown>): string | undefined {
  return str(o.status_reason) ?? str(o.rejection_reason) ?? str(o.reason) ?? str(o.comment);
}

/** RequirementGroup (returned unwrapped by the spec; a `data` wrapper is tolerated). */
export function mapRequirementGroup(body: unknown): TelnyxRequirementGroup {
  const inner = obj(body).data && typeof obj(body).data === 'object' && !Array.isArray(obj(body).data) ? obj(body).data : body;
  const g = obj(inner);
  const id = str(g.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned a requirement group without id', { retryable: false });
  const values = (Array.isArray(g.regulatory_requirements) ? g.regulatory_requirements.map(obj) : []).flatMap((v) => {
    const requirementId = str(v.requirement_id);
    if (!requirementId) return [];
    const out: TelnyxRequirementGroup['values'][number] = { requirementId, status: mapGroupStatus(v.status) };
    const value = str(v.field_value);
    const kind = str(v.field_type);
    const reason = reasonOf(v);
    if (value !== undefined) out.value = value;
    if (kind !== undefined) out.kind = kind;
    if (reason !== undefined) out.statusReason = reason;
    return [out];
  });
  const out: TelnyxRequirementGroup = { id, status: mapGroupStatus(g.status), values };
  const groupReason = reasonOf(g);
  if (groupReason !== undefined) out.statusReason = groupReason;
  const fields: Array<[keyof TelnyxRequirementGroup, unknown]> = [
    ['country', g.country_code],
    ['type', g.phone_number_type],
    ['action', g.action],
    ['customerReference', g.customer_reference],
    ['createdAt', g.created_at],
    ['updatedAt', g.updated_at],
  ];
  for (const [key, value] of fields) {
    const s = str(value);
    if (s !== undefined) (out as unknown as Record<string, unknown>)[key] = s;
  }
  return out;
}

export function mapDocument(body: unknown): TelnyxDocument {
  const d = obj(unwrapData(body));
  const id = str(d.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned a document without id', { retryable: false });
  const out: TelnyxDocument = { id };
  const filename = str(d.filename);
  const contentType = str(d.content_type);
  const sha256 = str(d.sha256);
  const status = str(d.status);
  const customerReference = str(d.customer_reference);
  const size = obj(d.size);
  const amount = toInt(size.amount);
  if (filename !== undefined) out.filename = filename;
  if (contentType !== undefined) out.contentType = contentType;
  if (sha256 !== undefined) out.sha256 = sha256;
  if (status !== undefined) out.status = status;
  if (customerReference !== undefined) out.customerReference = customerReference;
  if (amount !== undefined && (size.unit === undefined || size.unit === 'bytes')) out.sizeBytes = amount;
  return out;
}
