import { z } from 'zod';
import { DeliveryResource } from './inbound.js';
import { JobResource } from './jobs.js';

// ---------- what the platform sends (signed: X-Signature, see POST /v1/signing-secret) ----------
/** A message that came to one of the tenant's numbers, as relayed to the number's webhookUrl. */
export const InboundMessage = DeliveryResource.shape.message;
export const MessageReceivedEvent = z.object({ type: z.literal('message.received'), message: InboundMessage });
/** A finished bulk job, as sent to its callbackUrl. */
export const JobFinishedEvent = z.object({ type: z.literal('job.finished'), job: JobResource });
