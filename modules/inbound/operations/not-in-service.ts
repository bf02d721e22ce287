import type { z } from 'zod';
import type { UnauthenticatedOperationFactory } from '../../../shared/api/endpoint.js';
import type { NotInServiceAck, NotInServiceParams } from '../../../shared/api/schemas.js';

/** What a Twilio caller of an inactive number hears before the call ends. */
export const NOT_IN_SERVICE_TWIML =
  '<?xml version="1.0" encoding="UTF-8"?><Response><Say>The number you have called is not in service.</Say><Hangup/></Response>';
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/**
 * Where an inactive number's traffic goes (PATCH /v1/numbers/{id} status inactive). Stateless and
 * harmless whoever calls it: it reads and writes nothing and answers the same to everyone — Twilio
 * calls (a CallSid) get "not in service" then a hang-up, anything else (a message) an empty answer,
 * so the provider neither retries nor replies to the sender. Messages to inactive Twilio numbers go
 * to the inbound relay instead, which records them (not relayed).
 */
const operation: UnauthenticatedOperationFactory<z.infer<typeof NotInServiceParams>, Record<string, never>, undefined, z.infer<typeof NotInServiceAck>> =
  () =>
  async ({ params, raw }) => {
    if (params.provider !== 'twilio') return { body: { received: true } };
    const isCall = /^application\/x-www-form-urlencoded/i.test(raw.contentType ?? '') && new URLSearchParams(raw.body.toString('utf8')).has('CallSid');
    return { body: { received: true }, rawResponse: { contentType: 'text/xml', body: isCall ? NOT_IN_SERVICE_TWIML : EMPTY_TWIML } };
  };
export default operation;
