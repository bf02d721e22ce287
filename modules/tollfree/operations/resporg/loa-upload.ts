import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RespOrgLoaResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { readFilePart } from '../../../../shared/http/multipart.js';
import { uploadLoa } from '../../services/loa.js';

/** multipart/form-data with one `file` part: the signed LOA as a PDF (≤ 10 MB, checked by its first bytes). */
const operation: OperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof RespOrgLoaResource>> =
  (deps) =>
  async ({ raw, caller, requestId }) => {
    const file = await readFilePart(raw, 'the LOA', ' (a PDF)');
    const filename = (file.name || 'loa.pdf').replace(/[\\/]/g, '_').slice(0, 200);
    const view = await uploadLoa(deps)(
      caller.tenantId,
      { filename, ...(file.type ? { declaredType: file.type } : {}), data: Buffer.from(await file.arrayBuffer()) },
      userContext(caller, requestId),
    );
    return { status: 201, body: view };
  };
export default operation;
