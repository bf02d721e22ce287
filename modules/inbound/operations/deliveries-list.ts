import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { DeliveriesPage, DeliveriesQuery } from '../../../shared/api/schemas.js';
import { outcomeOfStatus } from '../../../shared/http/outbound-request.js';
import { createInboundRepository } from '../repository.js';

/** Relayed inbound messages and every delivery attempt, newest first (?numberId=). */
const operation: OperationFactory<Record<string, never>, z.infer<typeof DeliveriesQuery>, undefined, z.infer<typeof DeliveriesPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const page = await createInboundRepository(deps.db).listDeliveries(caller.tenantId, {
      ...(query.numberId ? { numberId: query.numberId } : {}),
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const items = page.items.map(({ tenantId: _t, attempts, ...rest }) =>
      // The coarse outcome only: records written before outcomes existed carried the error's raw text.
      ({ ...rest, attempts: attempts.map(({ at, status, outcome }) => ({ at, status, outcome: outcome ?? (status ? outcomeOfStatus(status) : 'failed') })) }),
    );
    return { body: { data: items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
  };
export default operation;
