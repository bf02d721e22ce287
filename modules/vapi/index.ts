/** The Vapi module's public surface: importing a number (POST /v1/numbers with provider vapi). */
export { importVapiNumber } from './services/import.js';
