/** The inbound module's public surface: the providers' webhook signatures its endpoints verify (the cold-start bench signs its deliveries with them). */
export { plivoV3Signature, twilioSignature } from './services/signatures.js';
