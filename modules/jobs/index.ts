/**
 * The jobs module's public surface: callback signing (inbound deliveries), the finalize check and the
 * item read and settlement inside a transaction (workflows that settle a job's item).
 */
export { signPayload, signingSecret } from './services/callbacks.js';
export { scheduleFinalizeCheck } from './services/finalize-check.js';
export { readJobItemIn, settleJobItemIn } from './repository/items.js';
