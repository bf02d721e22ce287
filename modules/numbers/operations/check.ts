import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { NumberCheckQuery, NumberCheckResponse } from '../../../shared/api/schemas.js';
import { holdingStatuses } from '../../../shared/domain/number.js';
import { toResources } from '../services/resource.js';

/** "Does this gig already have a number?": held numbers (pending or active) carrying the reference. */
const operation: OperationFactory<Record<string, never>, z.infer<typeof NumberCheckQuery>, undefined, z.infer<typeof NumberCheckResponse>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await deps.numbers.list(caller.tenantId, { externalRef: query.gigId }, 100);
    const held = page.items.filter((n) => holdingStatuses.includes(n.status));
    return { body: { hasNumber: held.length > 0, numbers: await toResources(deps, caller.tenantId, held) } };
  };
export default operation;
