import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { ReserveTollFreeBody, ReserveTollFreeResponse } from '../../shared/api/schemas.js';
import { userContext } from '../../shared/domain/audit.js';
import { reserveNumbers } from '../../shared/services/tollfree/numbers.js';
import { respond } from './respond.js';

/** Search-and-reserve (srchres): the numbers the registry reserved are stored as reserved (≤ 45 days). */
const operation: OperationFactory<{}, {}, z.infer<typeof ReserveTollFreeBody>, z.infer<typeof ReserveTollFreeResponse>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const { contactName, contactPhone, notes, ...spec } = body;
    const result = await reserveNumbers(deps)(caller.tenantId, { spec, contactName, contactPhone, ...(notes ? { notes } : {}) }, userContext(caller, requestId));
    return respond(result, 201);
  };
export default operation;
