import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { SearchAvailableQuery, AvailableNumbersResponse } from '../../../shared/api/schemas.js';
import { searchAvailable } from '../services/search.js';
import type { z } from 'zod';

const operation: OperationFactory<Record<string, never>, z.infer<typeof SearchAvailableQuery>, undefined, z.infer<typeof AvailableNumbersResponse>> =
  (deps) =>
  async ({ query, caller, log }) => ({ body: await searchAvailable(deps)(caller.tenantId, query, log) });
export default operation;
