/**
 * The Telnyx sandbox's regulatory surface (telnyx.ts routes to it): requirements, requirement
 * groups, documents and — through the address book — addresses. An address requirement takes the
 * id of one of the account's addresses in the group's country; a document requirement the id of
 * one of its documents. Decisions on groups (and the orders they hold) stay in telnyx.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ApiResult } from './kit.js';
import { TelnyxAddressBook } from './telnyx-addresses.js';
import { ApiError, badRequest, missingParam, notFound } from './telnyx-errors.js';
import { REQUIREMENTS, TELNYX_NUMBER_TYPES, requirementTypesFor, type RequirementDef, type RequirementTypeDef } from './telnyx-inventory.js';
import { paginate } from './telnyx-params.js';

const nowIso = () => new Date().toISOString();

// ---------------------------------------------------------------------------------------------
// Multipart (documents): a small parser, metadata only

interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new ApiError(400, '10015', 'Bad Request', 'multipart/form-data without boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos >= 0) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) break;
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) break;
    const data = body.subarray(headerEnd + 4, next - 2); // strip the CRLF before the delimiter
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim();
    if (name !== undefined) parts.push({ name, data, ...(filename !== undefined ? { filename } : {}), ...(type ? { contentType: type } : {}) });
    pos = next;
  }
  return parts;
}

function guessContentType(filename: string): string {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  return { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', tif: 'image/tiff', tiff: 'image/tiff', txt: 'text/plain' }[ext] ?? 'application/octet-stream';
}

// ---------------------------------------------------------------------------------------------
// State

export type GroupStatus = 'approved' | 'unapproved' | 'pending-approval' | 'declined' | 'expired';

export interface GroupValue {
  requirement_id: string;
  field_type: string;
  field_value?: string;
  status: GroupStatus;
  /** Not in the spec (Telnyx explains declines in the portal): why this value was declined. */
  status_reason?: string;
  created_at: string;
  updated_at: string;
}

export interface Group {
  id: string;
  account: string;
  country_code: string;
  phone_number_type: string;
  action: string;
  customer_reference?: string;
  status: GroupStatus;
  regulatory_requirements: GroupValue[];
  created_at: string;
  updated_at: string;
  /** Sandbox-only (Telnyx explains rejections in comments). */
  rejection_reason?: string;
}

export interface DocumentRec {
  id: string;
  account: string;
  filename: string;
  content_type: string;
  size: number | null;
  sha256: string | null;
  customer_reference?: string;
  status: 'pending' | 'verified' | 'denied';
  created_at: string;
  updated_at: string;
}
export class TelnyxRegulatory {
  readonly groups = new Map<string, Group>();
  readonly documents = new Map<string, DocumentRec>();
  readonly addressBook = new TelnyxAddressBook();

  clear(): void {
    this.groups.clear();
    this.documents.clear();
    this.addressBook.clear();
  }

  // Requirements -----------------------------------------------------------------------------------

  renderRequirement(r: RequirementDef) {
    const stamp = '2024-01-15T10:00:00.000Z';
    return {
      id: r.id,
      record_type: 'requirement',
      country_code: r.country,
      phone_number_type: r.type,
      action: r.action,
      version: 1,
      effective_start_at: stamp,
      effective_end_at: null,
      created_at: stamp,
      updated_at: stamp,
      requirement_types: r.types.map((t) => ({ ...t, record_type: 'requirement_type', created_at: stamp, updated_at: stamp })),
    };
  }

  listRequirements(q: Map<string, string[]>): ApiResult {
    const cc = q.get('filter[country_code]')?.[0]?.toUpperCase();
    const type = q.get('filter[phone_number_type]')?.[0];
    const action = q.get('filter[action]')?.[0];
    if (type !== undefined && !['local', 'national', 'toll_free'].includes(type)) {
      throw badRequest('filter[phone_number_type] must be one of local, national, toll_free', { parameter: 'filter[phone_number_type]' });
    }
    if (action !== undefined && !['branded_calling', 'ordering', 'porting'].includes(action)) {
      throw badRequest('filter[action] must be one of branded_calling, ordering, porting', { parameter: 'filter[action]' });
    }
    const list = REQUIREMENTS.filter((r) => (!cc || r.country === cc) && (!type || r.type === type) && (!action || r.action === action || r.action === 'both')).map((r) =>
      this.renderRequirement(r),
    );
    return { status: 200, body: paginate(list, q) };
  }

  // Requirement groups -----------------------------------------------------------------------------

  groupFor(account: string, id: string): Group {
    const g = this.groups.get(id);
    if (!g || g.account !== account) throw notFound(`Requirement group ${id} not found`);
    return g;
  }

  renderGroup(g: Group) {
    return {
      id: g.id,
      record_type: 'requirement_group',
      country_code: g.country_code,
      phone_number_type: g.phone_number_type,
      action: g.action,
      ...(g.customer_reference !== undefined ? { customer_reference: g.customer_reference } : {}),
      status: g.status,
      regulatory_requirements: g.regulatory_requirements.map((v) => ({
        requirement_id: v.requirement_id,
        field_type: v.field_type,
        ...(v.field_value !== undefined ? { field_value: v.field_value } : {}),
        status: v.status,
        ...(v.status_reason !== undefined ? { status_reason: v.status_reason } : {}),
        created_at: v.created_at,
        updated_at: v.updated_at,
      })),
      created_at: g.created_at,
      updated_at: g.updated_at,
    };
  }

  listGroups(account: string, q: Map<string, string[]>): ApiResult {
    const f = (name: string) => q.get(`filter[${name}]`)?.[0];
    const list = [...this.groups.values()].filter(
      (g) =>
        g.account === account &&
        (!f('country_code') || g.country_code === f('country_code')!.toUpperCase()) &&
        (!f('phone_number_type') || g.phone_number_type === f('phone_number_type')) &&
        (!f('action') || g.action === f('action')) &&
        (!f('status') || g.status === f('status')) &&
        (!f('customer_reference') || g.customer_reference === f('customer_reference')),
    );
    return { status: 200, body: list.map((g) => this.renderGroup(g)) };
  }

  /** Validates {requirement_id, field_value} items against the group's requirement types. */
  applyValues(g: Group, items: unknown): void {
    if (items === undefined) return;
    if (!Array.isArray(items)) throw badRequest('regulatory_requirements must be an array', { pointer: '/regulatory_requirements' });
    const types = requirementTypesFor(g.country_code, g.phone_number_type, g.action);
    const now = nowIso();
    items.forEach((raw, i) => {
      const pointer = `/regulatory_requirements/${i}`;
      const item = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      const id = item.requirement_id;
      const value = item.field_value;
      if (typeof id !== 'string') throw badRequest('requirement_id is required', { pointer: `${pointer}/requirement_id` });
      if (typeof value !== 'string') throw badRequest('field_value must be a string', { pointer: `${pointer}/field_value` });
      const type = types.find((t) => t.id === id);
      if (!type) throw badRequest(`Requirement ${id} does not apply to ${g.country_code} ${g.phone_number_type} ${g.action}.`, { pointer: `${pointer}/requirement_id` });
      this.checkValue(g.account, type, value, `${pointer}/field_value`, g.country_code);
      const existing = g.regulatory_requirements.find((v) => v.requirement_id === id);
      if (existing) {
        existing.field_value = value;
        existing.status = 'unapproved';
        delete existing.status_reason;
        existing.updated_at = now;
      }
    });
  }

  checkValue(account: string, type: RequirementTypeDef, value: string, pointer: string, country?: string): void {
    if (value.trim() === '') throw badRequest(`${type.name} cannot be empty.`, { pointer });
    if (type.type === 'document') {
      const d = this.documents.get(value);
      if (!d || d.account !== account) throw badRequest(`${type.name} must be the id of an uploaded document (${value} not found).`, { pointer });
    } else if (type.type === 'address') {
      // An address requirement takes the id of one of the account's addresses, never free text.
      const a = this.addressBook.find(account, value);
      if (!a) throw badRequest(`${type.name} must be the id of an address (POST /addresses); '${value}' is not one of this account's addresses.`, { pointer });
      if (country && a.country_code !== country) throw badRequest(`${type.name} must be an address in ${country}; address ${value} is in ${a.country_code}.`, { pointer });
    } else if (type.type === 'textual') {
      const min = Number(type.acceptance_criteria.min_length ?? 0);
      const max = Number(type.acceptance_criteria.max_length ?? Infinity);
      if (value.length < min || value.length > max) throw badRequest(`${type.name} must be ${min}-${max} characters long.`, { pointer });
    }
  }

  createGroup(account: string, body: Record<string, unknown>): ApiResult {
    for (const name of ['country_code', 'phone_number_type', 'action']) if (typeof body[name] !== 'string' || body[name] === '') throw missingParam(name);
    const cc = (body.country_code as string).toUpperCase();
    const type = body.phone_number_type as string;
    const action = body.action as string;
    if (!/^[A-Z]{2}$/.test(cc)) throw badRequest('country_code must be an ISO alpha-2 code', { pointer: '/country_code' });
    if (!(TELNYX_NUMBER_TYPES as readonly string[]).includes(type)) throw badRequest(`phone_number_type must be one of ${TELNYX_NUMBER_TYPES.join(', ')}`, { pointer: '/phone_number_type' });
    if (action !== 'ordering' && action !== 'porting') throw badRequest('action must be ordering or porting', { pointer: '/action' });
    if (body.customer_reference !== undefined && typeof body.customer_reference !== 'string') throw badRequest('customer_reference must be a string', { pointer: '/customer_reference' });
    const now = nowIso();
    const g: Group = {
      id: randomUUID(),
      account,
      country_code: cc,
      phone_number_type: type,
      action,
      status: 'unapproved',
      regulatory_requirements: requirementTypesFor(cc, type, action).map((t) => ({ requirement_id: t.id, field_type: t.type, status: 'unapproved', created_at: now, updated_at: now })),
      created_at: now,
      updated_at: now,
      ...(typeof body.customer_reference === 'string' ? { customer_reference: body.customer_reference } : {}),
    };
    this.applyValues(g, body.regulatory_requirements);
    this.groups.set(g.id, g);
    return { status: 200, body: this.renderGroup(g) };
  }

  updateGroup(g: Group, body: Record<string, unknown>): ApiResult {
    if (body.customer_reference !== undefined && typeof body.customer_reference !== 'string') throw badRequest('customer_reference must be a string', { pointer: '/customer_reference' });
    const copy = structuredClone(g);
    this.applyValues(copy, body.regulatory_requirements); // validate everything before changing anything
    if (body.regulatory_requirements !== undefined) {
      g.regulatory_requirements = copy.regulatory_requirements;
      g.status = 'unapproved'; // changed values need a new review
      delete g.rejection_reason;
    }
    if (typeof body.customer_reference === 'string') g.customer_reference = body.customer_reference;
    g.updated_at = nowIso();
    return { status: 200, body: this.renderGroup(g) };
  }

  submitGroup(g: Group): ApiResult {
    if (g.status === 'pending-approval' || g.status === 'approved') return { status: 200, body: this.renderGroup(g) };
    const types = requirementTypesFor(g.country_code, g.phone_number_type, g.action);
    const missing = g.regulatory_requirements.filter((v) => v.field_value === undefined || v.field_value === '');
    if (missing.length > 0) {
      const names = missing.map((v) => types.find((t) => t.id === v.requirement_id)?.name ?? v.requirement_id);
      throw badRequest(`Requirement group ${g.id} is missing values for: ${names.join(', ')}.`, { pointer: '/regulatory_requirements' });
    }
    const now = nowIso();
    g.status = 'pending-approval';
    for (const v of g.regulatory_requirements) {
      v.status = 'pending-approval';
      v.updated_at = now;
    }
    g.updated_at = now;
    return { status: 200, body: this.renderGroup(g) };
  }

  // Documents --------------------------------------------------------------------------------------

  renderDocument(d: DocumentRec) {
    return {
      id: d.id,
      record_type: 'document',
      filename: d.filename,
      content_type: d.content_type,
      ...(d.size !== null ? { size: { amount: d.size, unit: 'bytes' } } : {}),
      ...(d.sha256 !== null ? { sha256: d.sha256 } : {}),
      status: d.status,
      av_scan_status: d.size !== null ? 'scanned' : 'pending_scan',
      ...(d.customer_reference !== undefined ? { customer_reference: d.customer_reference } : {}),
      created_at: d.created_at,
      updated_at: d.updated_at,
    };
  }

  createDocument(account: string, rawBody: Buffer, contentType: string, json: Record<string, unknown> | undefined): ApiResult {
    let filename: string | undefined;
    let type: string | undefined;
    let data: Buffer | undefined;
    let customerReference: string | undefined;
    if (json === undefined) {
      const parts = parseMultipart(rawBody, contentType);
      const file = parts.find((p) => p.name === 'file');
      if (!file) throw badRequest("The multipart field 'file' is required.", { pointer: '/file' });
      data = file.data;
      filename = file.filename || 'document';
      type = file.contentType && file.contentType !== 'application/octet-stream' ? file.contentType : guessContentType(filename);
      const ref = parts.find((p) => p.name === 'customer_reference');
      if (ref) customerReference = ref.data.toString('utf8');
    } else {
      if (json.customer_reference !== undefined) {
        if (typeof json.customer_reference !== 'string') throw badRequest('customer_reference must be a string', { pointer: '/customer_reference' });
        customerReference = json.customer_reference;
      }
      if (typeof json.file === 'string') {
        if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(json.file)) throw badRequest('file must be base64', { pointer: '/file' });
        data = Buffer.from(json.file, 'base64');
        filename = typeof json.filename === 'string' && json.filename ? json.filename : 'document';
      } else if (typeof json.url === 'string') {
        let u: URL;
        try {
          u = new URL(json.url);
        } catch {
          throw badRequest('url must be an absolute URL', { pointer: '/url' });
        }
        filename = typeof json.filename === 'string' && json.filename ? json.filename : decodeURIComponent(u.pathname.split('/').pop() || 'document');
      } else {
        throw badRequest('Provide the document as file (base64) or url.', { pointer: '/file' });
      }
      type = guessContentType(filename);
    }
    if (data !== undefined && data.length === 0) throw badRequest('The document is empty.', { pointer: '/file' });
    const now = nowIso();
    const d: DocumentRec = {
      id: randomUUID(),
      account,
      filename: filename,
      content_type: type,
      size: data?.length ?? null,
      sha256: data ? createHash('sha256').update(data).digest('hex') : null,
      status: 'pending',
      created_at: now,
      updated_at: now,
      ...(customerReference !== undefined ? { customer_reference: customerReference } : {}),
    };
    this.documents.set(d.id, d);
    return { status: 200, body: { data: this.renderDocument(d) } };
  }
}
