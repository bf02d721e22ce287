import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { ReserveTollFreeBody, ReserveTollFreeResponse } from '../../../shared/api/schemas.js';
import { registryNow } from '../../../shared/deps.js';
import { userContext } from '../../../shared/domain/audit.js';
import { reserveNumbers } from '../services/numbers.js';
import { asOf } from '../../../shared/domain/tollfree-lifecycle.js';
import { isPendingAnswer } from '../services/requests.js';
import { respond } from './respond.js';

/** Search-and-reserve (srchres): the numbers the registry reserved are stored as reserved (1-45 days, with expiresAt). */
const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof ReserveTollFreeBody>, z.infer<typeof ReserveTollFreeResponse>> =
  (deps) =>
  async ({ body, caller, requestId }) => {
    const { contactName, contactPhone, notes, reservationDays, ...spec } = body;
    const result = await reserveNumbers(deps)(
      caller.tenantId,
      { spec, contactName, contactPhone, ...(notes ? { notes } : {}), ...(reservationDays !== undefined ? { days: reservationDays } : {}) },
      userContext(caller, requestId),
    );
    return respond(isPendingAnswer(result) ? result : { ...result, data: result.data.map((n) => asOf(n, registryNow(deps.config))) }, 201);
  };
export default operation;
