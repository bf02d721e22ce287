/** The toll-free module's public surface: the workflows bulk jobs and the toll-free reconciliation run. */
export { registryNumber } from './services/notification-checks.js';
export {
  activateNumber,
  adoptLostActivation,
  adoptLostReservation,
  changeRouting,
  claimOwnerIfFree,
  getNumber,
  mutateNumber,
  releaseOwner,
  reserveNumbers,
  routingAlreadyApplied,
  routingIssuePath,
  validateRouting,
  type TollFreeRecord,
  type TollFreeStatus,
} from './services/numbers.js';
export { callContext, tenantSomos } from './services/platform.js';
export { numbersInStatuses } from './repository/numbers.js';
export { followUpRequest } from './services/followup.js';
export { jobItemOutcome, pendingAnswer, pendingRequestOf, tollfreeRequests } from './services/requests.js';
export { scheduledOf, settleDueVersions } from './services/routing-versions.js';
export { MAX_QUANTITY } from './services/search-spec.js';
export { requestTextEnablement } from './services/sms.js';
export { recordOutboundTransfer } from './services/transfer-desk.js';

