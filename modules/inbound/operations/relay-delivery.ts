import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { JobCallbackResult, RelayDeliveryTask } from '../../../shared/api/schemas.js';
import { deliverRelayed } from '../services/deliver.js';

const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof RelayDeliveryTask>, z.infer<typeof JobCallbackResult>> =
  (deps) =>
  async ({ body, log }) => ({ body: await deliverRelayed(deps)(body.tenantId, body.deliveryId, log) });
export default operation;
