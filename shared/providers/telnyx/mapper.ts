/**
 * Telnyx API v2 payloads → normalized provider shapes, plus the Telnyx-only shapes
 * (number orders, regulatory requirements, requirement groups, documents).
 *
 * Defensive on purpose: every field may be missing or of the wrong type, and a mapping
 * must never crash on a response that reached us after Telnyx already acted.
 *
 * Contract: ../shared/contracts/telnyx/spec3.yml (AvailablePhoneNumber, PhoneNumberDetailed,
 * NumberOrderWithPhoneNumbers, DocReqsRequirement(Type), RequirementGroup, DocServiceDocument,
 * numbers_Errors / documents_Errors).
 *
 * The mappings live per concern: numbers-mapper (search, owned numbers), orders-mapper (number
 * orders), requirements-mapper (requirements, groups, documents, addresses), errors-mapper;
 * map-kit holds their small helpers. This module is their public surface.
 */
export { nationalFormatOr, normalizePhone, unwrapData } from './map-kit.js';
export * from './numbers-mapper.js';
export * from './orders-mapper.js';
export * from './requirements-mapper.js';
export * from './errors-mapper.js';
