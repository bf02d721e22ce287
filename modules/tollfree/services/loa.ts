import { createHash } from 'node:crypto';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import type { TelnyxProvider } from '../../../shared/providers/telnyx/client.js';
import type { NumberProvider } from '../../../shared/providers/types.js';
import { findLoa, loas, type LoaRecord } from '../repository/loas.js';

/**
 * Letters of authorization for RespOrg transfers: a signed PDF, uploaded once and referenced by id
 * from the transfer (never carried in it). The file goes where the platform keeps requirement
 * documents — the regulatory provider's document store (Telnyx documents, the same call as
 * requirement-group uploads) — and only its document id, name, size and digest are kept here, in
 * tenants/{t}/respOrgLoas/{loa_…}.
 */
export const MAX_LOA_BYTES = 10 * 1024 * 1024;

export { parseLoa, type LoaRecord } from '../repository/loas.js';

export const loaView = (record: LoaRecord) => ({
  id: record.id,
  filename: record.filename,
  contentType: record.contentType,
  size: record.size,
  sha256: record.sha256,
  createdAt: record.createdAt,
});
export type LoaView = ReturnType<typeof loaView>;

const isDocumentStore = (provider: NumberProvider): provider is TelnyxProvider =>
  provider.capabilities.regulatoryRequirements === true && 'uploadDocument' in provider;

/** Checks the file (size, declared type, and the PDF magic bytes), stores it, records the reference. */
export function uploadLoa(deps: Pick<Deps, 'db' | 'providers' | 'now'>) {
  return async (tenantId: string, file: { filename: string; declaredType?: string; data: Buffer }, audit: AuditContext): Promise<LoaView> => {
    if (file.data.length === 0) throw new AppError('VALIDATION_ERROR', 'The uploaded LOA is empty', { issues: [{ path: 'body.file', message: 'empty' }] });
    if (file.data.length > MAX_LOA_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', 'An LOA is limited to 10 MB');
    const declared = file.declaredType?.split(';')[0]?.trim().toLowerCase();
    if (declared && declared !== 'application/pdf' && declared !== 'application/octet-stream') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', `An LOA must be a PDF (the file part says ${declared.slice(0, 60)})`, {
        issues: [{ path: 'body.file', message: 'content type is not application/pdf' }],
      });
    }
    if (file.data.subarray(0, 5).toString('latin1') !== '%PDF-') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'An LOA must be a PDF file (checked by its content: it does not start with %PDF-)', {
        issues: [{ path: 'body.file', message: 'not a PDF' }],
      });
    }
    const { provider, accountId } = await deps.providers.forTenant(tenantId, 'telnyx');
    if (!isDocumentStore(provider)) throw new Error('the document store (telnyx) lacks document uploads');
    const collection = loas(deps.db);
    const id = collection.newId();
    const document = await provider.uploadDocument({ filename: file.filename, contentType: 'application/pdf', data: file.data, customerReference: id });
    const now = deps.now().toISOString();
    const record: LoaRecord = {
      id,
      tenantId,
      filename: file.filename,
      contentType: 'application/pdf',
      size: file.data.length,
      sha256: createHash('sha256').update(file.data).digest('hex'),
      documentId: document.id,
      accountId,
      createdAt: now,
      updatedAt: now,
    };
    return loaView(await collection.create(record, audit, 'resporg.loa_upload'));
  };
}

/** The tenant's LOA, parsed; a missing (or another tenant's) one is a 400 naming the field. */
export async function requireLoa(deps: Pick<Deps, 'db'>, tenantId: string, id: string, field = 'body.loaId'): Promise<LoaRecord> {
  const loa = await findLoa(deps, tenantId, id);
  if (!loa) {
    throw new AppError('VALIDATION_ERROR', `Invalid ${field}: no such LOA; upload the signed PDF to POST /v1/resporg/loas first`, {
      issues: [{ path: field, message: 'no such LOA' }],
    });
  }
  return loa;
}
