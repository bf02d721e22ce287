import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { RespOrgLoaResource } from '../../shared/api/schemas.js';
import { userContext } from '../../shared/domain/audit.js';
import { AppError } from '../../shared/http/errors.js';
import { uploadLoa } from '../../shared/services/tollfree/loa.js';

/** multipart/form-data with one `file` part: the signed LOA as a PDF (≤ 10 MB, checked by its first bytes). */
const operation: OperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof RespOrgLoaResource>> =
  (deps) =>
  async ({ raw, caller, requestId }) => {
    if (!raw.contentType?.toLowerCase().startsWith('multipart/form-data')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Upload the LOA as multipart/form-data with a "file" part (a PDF)');
    }
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw.body), { headers: { 'content-type': raw.contentType } }).formData();
    } catch {
      throw new AppError('VALIDATION_ERROR', 'The multipart body could not be read', { issues: [{ path: 'body', message: 'malformed multipart' }] });
    }
    const file = form.get('file');
    if (!file || typeof file === 'string') {
      throw new AppError('VALIDATION_ERROR', 'A "file" part with the LOA is required', { issues: [{ path: 'body.file', message: 'missing' }] });
    }
    const filename = (file.name || 'loa.pdf').replace(/[\\/]/g, '_').slice(0, 200);
    const view = await uploadLoa(deps)(
      caller.tenantId,
      { filename, ...(file.type ? { declaredType: file.type } : {}), data: Buffer.from(await file.arrayBuffer()) },
      userContext(caller, requestId),
    );
    return { status: 201, body: view };
  };
export default operation;
