import type { Capabilities, Money, NumberType, ProviderName } from '../providers/types.js';
import { AppError } from '../http/errors.js';

export const numberStatuses = ['pending', 'active', 'inactive', 'released', 'error'] as const;
export type NumberStatus = (typeof numberStatuses)[number];

/**
 * The only place status transitions are decided. `released` is terminal;
 * `error` is where a purchase the provider definitively refused ends up.
 */
const transitions: Record<NumberStatus, readonly NumberStatus[]> = {
  pending: ['active', 'error', 'released'],
  active: ['inactive', 'released'],
  inactive: ['active', 'released'],
  released: [],
  error: [],
};

export function canTransition(from: NumberStatus, to: NumberStatus): boolean {
  return transitions[from].includes(to);
}

export function assertTransition(from: NumberStatus, to: NumberStatus): void {
  if (from === to) return;
  if (!canTransition(from, to)) {
    const message =
      from === 'released'
        ? 'This number has been released; it can no longer be changed or released again'
        : `A number cannot go from ${from} to ${to}`;
    throw new AppError('CONFLICT', message, { status: from, requested: to });
  }
}

/** States in which the tenant holds the number (and nobody in the tenant may buy it again). */
export const holdingStatuses: readonly NumberStatus[] = ['pending', 'active', 'inactive'];

export interface PurchaseAttempt {
  /** Lease: another attempt may take over after this instant. */
  leaseUntil: string;
  attempts: number;
  /**
   * 'unknown' after an ambiguous provider failure that a lookup could not settle;
   * 'ordered' when the provider accepted an order that completes later (webhook or poll).
   */
  outcome: 'in_flight' | 'unknown' | 'ordered' | 'settled';
  lastError?: { code?: string; message: string };
  /**
   * This attempt was still at the provider when its lease ran out (a call answered after it): a
   * follow-up look-up made before that answer may predate what the call did, so it settles nothing
   * and looks again.
   */
  answeredAfterLease?: boolean;
}

export const numberPurposes = ['sms', 'voice', 'both', 'customer_support'] as const;
export type NumberPurpose = (typeof numberPurposes)[number];

/** The channels a purpose switches on by default. */
export function channelsForPurpose(purpose: NumberPurpose): ('sms' | 'voice')[] {
  if (purpose === 'sms') return ['sms'];
  if (purpose === 'voice') return ['voice'];
  return ['sms', 'voice'];
}

/** A number as stored under tenants/{tenantId}/numbers/{id}. */
export interface NumberRecord {
  id: string;
  tenantId: string;
  provider: ProviderName;
  accountId: string;
  phoneNumber: string;
  friendlyName: string;
  country: string;
  type: NumberType;
  locality?: string;
  region?: string;
  capabilities: Capabilities;
  providerNumberId?: string;
  displayName?: string;
  tags: string[];
  smsEnabled: boolean;
  voiceEnabled: boolean;
  /** Where the inbound relay forwards messages (and, without a relay, where the provider sends them). */
  webhookUrl?: string;
  /** Per-number URLs at the provider, as the tenant asked for them (Twilio; Vonage smsUrl/statusCallbackUrl). */
  voiceUrl?: string;
  smsUrl?: string;
  statusCallbackUrl?: string;
  /**
   * While inactive: the number's routing at its provider when it was taken out of service (each field
   * null when it was unset), put back exactly when it is active again.
   */
  activeRouting?: RoutingSnapshot;
  /** Provider application the number routes through (Plivo, Vonage). */
  applicationId?: string;
  /** The provider order that sells the number (Telnyx), while and after it completes. */
  orderId?: string;
  /** When the last order event applied was emitted (older events never regress the state). */
  orderEventAt?: string;
  /** The caller's own reference, e.g. a gig id ("does this gig already have a number?"). */
  externalRef?: string;
  /** The tenant's client company the number is for (a staffing platform runs many). */
  companyId?: string;
  /** Regulatory requirement group used for the purchase. */
  requirementGroupId?: string;
  /** Vapi numbers: how it was imported and what answers it (no credential secret is ever kept). */
  vapi?: {
    source: string;
    credentialId?: string;
    vapiCredentialId?: string;
    assistantId?: string;
    serverUrl?: string;
    fallbackNumber?: string;
  };
  /** Flattened for queries: the tenant Vapi credential the number uses. */
  vapiCredentialId?: string;
  /** Counted in the tenant's held-number usage (uncounted again when it stops being held). */
  countedInUsage?: boolean;
  /** What the count was for when it was not a purchase: an import (held only) or a free Vapi number (held, purchased and the free cap). */
  countedAs?: 'import' | 'free';
  /** The bulk job whose release uncounted it: that job takes it off the tenant's usage when it finishes. */
  uncountedByJob?: string;
  /** The bulk-job item that bought it (a redelivered item recognises its own purchase). */
  origin?: { jobId: string; itemId: string };
  purpose?: NumberPurpose;
  locationId?: string;
  locationName?: string;
  assignedTo?: { id: string; name: string };
  /**
   * The agent that answers this number (inbound): at most one. Records written before outbound caller
   * IDs could be shared may name an agent that only calls from it (see outboundAgentIds).
   */
  agentId?: string;
  /** Agents that call from this number (outbound caller ID): any number of them. */
  outboundAgentIds?: string[];
  monthlyRate?: Money;
  /** Lower-case word prefixes of the display name and digit runs of the number (for ?q=). */
  searchTokens?: string[];
  status: NumberStatus;
  statusReason?: string;
  purchase?: PurchaseAttempt;
  /**
   * A change on its way to the provider (PATCH /v1/numbers/{id}), recorded before the provider is
   * called and removed by the write that records the change. One left behind (the provider was
   * changed or may have been, and that write failed) is carried by the next change to the number.
   */
  providerChange?: ProviderChangeIntent;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  provisionedAt?: string;
  releasedAt?: string;
  releaseReason?: string;
}

export interface ProviderChangeIntent {
  /** The request (or job item delivery) making the change. */
  requestId: string;
  startedAt: string;
  /** The provider-visible fields of the change as requested (displayName, webhookUrl, …; null clears). */
  changes: Record<string, unknown>;
  /** A change to inactive: the routing it took out of service (a retry restores this one, not what it finds then). */
  activeRouting?: RoutingSnapshot;
}

/** The fields of a number's routing at its provider that going inactive changes. */
export const routingFields = ['voiceUrl', 'smsUrl', 'applicationId', 'connectionId', 'messagingProfileId'] as const;
export type RoutingField = (typeof routingFields)[number];
/** A number's routing at its provider: each field's value, null when it was unset there. */
export type RoutingSnapshot = Partial<Record<RoutingField, string | null>>;

/** Text as ?q= and the tokens compare it: composed (NFC: a decomposed ü is one letter), lower-case. */
export const searchText = (text: string) => text.normalize('NFC').toLowerCase();

/**
 * Tokens that let ?q= find a number by any word prefix of its name or any run of 3+ of its digits.
 * Prefixes are cut between characters (code points), never inside one: a prefix ending in half of a
 * surrogate pair (𝟙, emoji-like letters) is no string Firestore can store, and would fail the write.
 */
export function searchTokensFor(record: Pick<NumberRecord, 'displayName' | 'phoneNumber'>): string[] {
  const tokens = new Set<string>();
  // A word is letters and digits with their combining marks (Devanagari vowel signs, Hebrew points).
  for (const word of searchText(record.displayName ?? '').split(/[^\p{L}\p{M}\p{N}]+/u)) {
    const chars = Array.from(word);
    for (let i = 2; i <= Math.min(chars.length, 20); i++) tokens.add(chars.slice(0, i).join(''));
  }
  const digits = record.phoneNumber.replace(/\D/g, '');
  for (let start = 0; start < digits.length; start++) {
    for (let end = start + 3; end <= digits.length; end++) tokens.add(digits.slice(start, end));
  }
  return [...tokens];
}
