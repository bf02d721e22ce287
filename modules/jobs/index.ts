/** The jobs module's public surface: callback signing (inbound deliveries) and the finalize check (workflows that settle a job's item). */
export { signPayload, signingSecret } from './services/callbacks.js';
export { scheduleFinalizeCheck } from './services/finalize-check.js';
