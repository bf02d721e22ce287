import type { z } from 'zod';
import type { UnauthenticatedOperationFactory } from '../../../shared/api/endpoint.js';
import type { InboundAck } from '../../../shared/api/schemas.js';
import { handleInbound } from '../services/relay.js';

/** telnyx calls this for inbound messages: signature checked, then relayed to the number's webhookUrl. */
const operation: UnauthenticatedOperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof InboundAck>> =
  (deps) =>
  async ({ raw, log }) => {
    const { outcome } = await handleInbound(deps)('telnyx', raw, log);
    return { body: { received: true, outcome } };
  };
export default operation;
