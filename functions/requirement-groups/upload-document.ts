import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { RequirementGroupResource, RequirementValueParams } from '../../shared/api/schemas.js';
import { userContext } from '../../shared/domain/audit.js';
import { AppError } from '../../shared/http/errors.js';
import { attachDocument } from '../../shared/services/requirements/requirements.js';
import { toPublic } from '../../shared/services/resource.js';

/** multipart/form-data with one `file` part (PDF, JPEG or PNG, ≤ 10 MB; the type is read from the content). */
const operation: OperationFactory<z.infer<typeof RequirementValueParams>, Record<string, never>, undefined, z.infer<typeof RequirementGroupResource>> =
  (deps) =>
  async ({ params, raw, caller, requestId }) => {
    if (!raw.contentType?.toLowerCase().startsWith('multipart/form-data')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Upload the document as multipart/form-data with a "file" part');
    }
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw.body), { headers: { 'content-type': raw.contentType } }).formData();
    } catch {
      throw new AppError('VALIDATION_ERROR', 'The multipart body could not be read', { issues: [{ path: 'body', message: 'malformed multipart' }] });
    }
    const file = form.get('file');
    if (!file || typeof file === 'string') {
      throw new AppError('VALIDATION_ERROR', 'A "file" part with the document is required', { issues: [{ path: 'body.file', message: 'missing' }] });
    }
    const data = Buffer.from(await file.arrayBuffer());
    const record = await attachDocument(deps)(
      caller.tenantId,
      params.id,
      params.requirementId,
      { filename: (file.name || 'document').slice(0, 200), data },
      userContext(caller, requestId),
    );
    return { body: toPublic(record) };
  };
export default operation;
