import type { z } from 'zod';
import type { OperationFactory } from '../../../../shared/api/endpoint.js';
import type { FindingId, FindingResource } from '../../../../shared/api/schemas.js';
import { userContext } from '../../../../shared/domain/audit.js';
import { repairTollFreeFinding } from '../../services/reconciliation/tollfree.js';

/** Reads the registry again and brings the toll-free number's record in line; the finding is resolved with what was done. */
const operation: OperationFactory<z.infer<typeof FindingId>, Record<string, never>, undefined, z.infer<typeof FindingResource>> =
  (deps) =>
  async ({ params, caller, requestId }) => ({ body: await repairTollFreeFinding(deps)(caller.tenantId, params.id, userContext(caller, requestId)) });
export default operation;
