import type { z } from 'zod';
import type { OperationFactory } from '../../shared/api/endpoint.js';
import type { ListNumbersQuery, NumbersPage } from '../../shared/api/schemas.js';
import { toResource } from '../../shared/services/numbers/resource.js';

const operation: OperationFactory<{}, z.infer<typeof ListNumbersQuery>, undefined, z.infer<typeof NumbersPage>> =
  (deps) =>
  async ({ query, caller }) => {
    const { provider, status, tag, limit, cursor } = query;
    const page = await deps.numbers.list(
      caller.tenantId,
      { ...(provider ? { provider } : {}), ...(status ? { status } : {}), ...(tag ? { tag } : {}) },
      limit,
      cursor,
    );
    return { body: { data: page.items.map(toResource), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) } };
  };
export default operation;
