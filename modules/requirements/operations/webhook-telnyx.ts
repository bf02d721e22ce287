import type { z } from 'zod';
import type { UnauthenticatedOperationFactory } from '../../../shared/api/endpoint.js';
import type { WebhookAck } from '../../../shared/api/schemas.js';
import { handleTelnyxWebhook } from '../services/telnyx-events.js';

const operation: UnauthenticatedOperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof WebhookAck>> =
  (deps) =>
  async ({ raw, requestId, log }) => ({ body: await handleTelnyxWebhook(deps)(raw, requestId, log) });
export default operation;
