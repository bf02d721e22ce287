/**
 * Vapi API (api.vapi.ai) shapes ↔ our normalized shapes. Pure functions, no I/O.
 *
 * Sources (../shared/contracts/vapi, see its README.md):
 * - CURRENT spec `openapi.json`: /phone-number (POST, GET), /phone-number/{id} (GET, PATCH,
 *   DELETE), /v2/phone-number (GET, paginated) and the credential DTO *schemas*
 *   (CreateTwilioCredentialDTO, CreateVonageCredentialDTO, CreateByoSipTrunkCredentialDTO), but
 *   NO /credential path and NO Telnyx credential schema at all.
 * - `credential-endpoints-2024-12-10/openapi.json`: the /credential and /credential/{id}
 *   operations from the only public spec that had them (reverted a day later). The endpoint is
 *   live (Vapi's SIP docs still POST to it). Its CreateTwilioCredentialDTO REQUIRES `authToken`;
 *   the current schema makes it optional and adds `apiKey` / `apiSecret` (API-key credentials).
 *
 * Everything in these mappers is built from those schemas except what is marked GUESSED:
 * - the Telnyx credential body (buildTelnyxCredentialDto) — no spec has it;
 * - `null` to clear assistantId / server / fallbackDestination on PATCH — the spec types those
 *   fields as non-nullable (class-validator's @IsOptional accepts null; the spec does not say so);
 * - which 4xx Vapi answers for an already-imported number (we read 409 and 400 "already …" texts
 *   as not_available).
 *
 * Secrets: tenant credentials (Twilio auth token / API secret, Vonage API secret, Telnyx API key,
 * SIP trunk password) pass THROUGH this module to Vapi. They never enter a normalized result, and
 * every provider text that may reach an Error goes through scrubSecrets().
 *
 * The mappings live per concern: credentials-mapper (/credential DTOs and resources),
 * numbers-mapper (/phone-number DTOs, resources, pages), errors-mapper (error bodies →
 * ProviderError); map-kit holds their small helpers. This module is their public surface.
 */
export { UUID_RE, scrubSecrets } from './map-kit.js';
export * from './credentials-mapper.js';
export * from './numbers-mapper.js';
export * from './errors-mapper.js';
