import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { RequirementGroupResource, RequirementValueParams } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { readFilePart } from '../../../../shared/http/multipart.js';
import { attachDocument } from '../../services/requirements.js';
import { toPublic } from '../../../../shared/services/resource.js';

/** multipart/form-data with one `file` part (PDF, JPEG or PNG, ≤ 10 MB; the type is read from the content). */
const operation: OperationFactory<z.infer<typeof RequirementValueParams>, Record<string, never>, undefined, z.infer<typeof RequirementGroupResource>> =
  (deps) =>
  async ({ params, raw, caller, requestId }) => {
    const file = await readFilePart(raw, 'the document');
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
