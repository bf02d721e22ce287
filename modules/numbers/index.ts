/** The numbers module's public surface: the workflows bulk jobs, webhooks and reconciliation run. */
export { newNumberId } from './repository.js';
export { releaseNumber, updateNumber } from './services/manage.js';
export { applyOrderUpdate, purchaseNumber } from './services/purchase.js';
export { settlePendingPurchase } from './services/purchase-followup.js';
export { searchAvailable } from './services/search.js';
