import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { AvailableTollFreeQuery, AvailableTollFreeResponse } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { searchAvailable } from '../services/search.js';
import { respond } from './respond.js';

/** Random, pattern, vanity or specific search at the TFN Registry; cached 5 minutes per query. */
const operation: OperationFactory<Record<string, never>, z.infer<typeof AvailableTollFreeQuery>, undefined, z.infer<typeof AvailableTollFreeResponse>> =
  (deps) =>
  async ({ query, caller, requestId }) =>
    respond(await searchAvailable(deps)(caller.tenantId, query, userContext(caller, requestId)));
export default operation;
