import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { TollFreeDetail, TollFreeNumberParam } from '../../shared/api/schemas.js';
import { numberDetail } from '../../shared/services/tollfree/numbers.js';

/** Our record (status, routing, SMS state, RespOrg) plus the registry's current view. */
const operation: OperationFactory<z.infer<typeof TollFreeNumberParam>, {}, undefined, z.infer<typeof TollFreeDetail>> =
  (deps) =>
  async ({ params, caller }) => ({ body: await numberDetail(deps)(caller.tenantId, params.number) });
export default operation;
