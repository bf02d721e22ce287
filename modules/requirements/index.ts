/** The requirements module's public surface: the approval checks a purchase makes. */
export { markNotHeldDuringReview, notHeldDuringReview, requireOrderableGroup } from './services/approval.js';
