import type { Logger } from '../log.js';

/**
 * The provider port. Every provider module maps its own API onto these shapes so
 * that no provider-specific field leaks past shared/providers/<name>/.
 */

export const providerNames = ['twilio', 'telnyx', 'plivo', 'vonage', 'vapi', 'somos'] as const;
export type ProviderName = (typeof providerNames)[number];

export const numberTypes = ['local', 'toll_free', 'mobile', 'national'] as const;
export type NumberType = (typeof numberTypes)[number];

export interface Capabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

export interface Money {
  amount: string;
  currency: string;
}

/** A number offered for purchase, normalized. */
export interface AvailableNumber {
  phoneNumber: string; // E.164
  friendlyName: string; // national format
  provider: ProviderName;
  country: string; // ISO 3166-1 alpha-2
  type: NumberType;
  locality?: string;
  region?: string;
  postalCode?: string;
  rateCenter?: string;
  /** Local access and transport area (NANP), where the provider reports it (Twilio, Plivo). */
  lata?: string;
  latitude?: number;
  longitude?: number;
  capabilities: Capabilities;
  addressRequirements?: 'none' | 'any' | 'local' | 'foreign';
  monthlyCost?: Money;
}

/** A number the provider account owns, normalized. */
export interface ProviderNumber {
  providerNumberId: string;
  phoneNumber: string; // E.164
  friendlyName: string;
  provider: ProviderName;
  country?: string;
  type?: NumberType;
  capabilities: Capabilities;
  /** The provider's resource says nothing about capabilities (Telnyx phone numbers): `capabilities` is a placeholder, keep what is known. */
  capabilitiesUnknown?: true;
  /** Provider-side label (Twilio FriendlyName, Plivo alias, ...). */
  label?: string;
  smsUrl?: string;
  voiceUrl?: string;
  statusCallbackUrl?: string;
  /** The application the number routes through (Plivo app id, Vonage app_id). */
  applicationId?: string;
  /** Telnyx: the voice connection (connection_id) and the messaging profile (messaging_profile_id). */
  connectionId?: string;
  messagingProfileId?: string;
  monthlyCost?: Money;
  /** Providers that sell through orders (Telnyx): the number is not usable until the order completes. */
  order?: {
    id: string;
    status: 'pending' | 'success' | 'failure';
    failureReason?: string;
    /** Telnyx requirements_status of the number in the order, e.g. requirement-info-under-review (held while the group is reviewed). */
    requirementsStatus?: string;
  };
}

export interface SearchCriteria {
  country: string;
  type: NumberType;
  areaCode?: string;
  /** Digits and '*' only (letters were already mapped to keypad digits): anywhere in the number. */
  contains?: string;
  /** Digits only: the national number starts / ends with these. */
  startsWith?: string;
  endsWith?: string;
  capabilities?: Partial<Record<keyof Capabilities, true>>;
  region?: string;
  postalCode?: string;
  locality?: string;
  nearLatLong?: { latitude: number; longitude: number };
  distanceMiles?: number;
  limit: number;
}

export interface PurchaseRequest {
  phoneNumber: string; // E.164
  label?: string;
  smsUrl?: string;
  voiceUrl?: string;
  statusCallbackUrl?: string;
  /** Provider-specific purchase options (ignored by providers that have no such concept). */
  requirementGroupId?: string;
  connectionId?: string;
  messagingProfileId?: string;
  /** Our own reference, echoed back by providers that support it (Telnyx customer_reference). */
  customerReference?: string;
  /** Plivo / Vonage application to attach at purchase. */
  applicationId?: string;
}

export interface UpdateRequest {
  label?: string;
  /** Vapi: the assistant answering the number; null unassigns. */
  assistantId?: string | null;
  /** Vapi: the server URL of the number; null clears. */
  serverUrl?: string | null;
  /** Vapi: where calls go when the assistant is unreachable (E.164); null clears. */
  fallbackNumber?: string | null;
  /** Plivo app_id / Vonage app_id; null detaches. */
  applicationId?: string | null;
  /** null clears the URL at the provider. */
  smsUrl?: string | null;
  voiceUrl?: string | null;
  statusCallbackUrl?: string | null;
  /** Telnyx: connection_id (voice) and messaging_profile_id; null detaches. Ignored by the others. */
  connectionId?: string | null;
  messagingProfileId?: string | null;
}

export interface ListOwnedOptions {
  phoneNumber?: string;
  pageSize?: number;
  pageToken?: string;
}

export interface OwnedPage {
  numbers: ProviderNumber[];
  nextPageToken?: string;
}

export interface NumberProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /** One cheap authenticated call; throws ProviderError with kind 'auth' when the credentials are wrong. */
  verifyCredentials(signal?: AbortSignal): Promise<void>;
  search(criteria: SearchCriteria, signal?: AbortSignal): Promise<AvailableNumber[]>;
  /** Providers that may ignore filters say which ones were applied by them and which by us. */
  searchDetailed?(criteria: SearchCriteria, signal?: AbortSignal): Promise<{ numbers: AvailableNumber[]; filtersApplied: Record<string, 'provider' | 'client'> }>;
  /** Not retried on ambiguous failures: the caller resolves those with findOwned(). */
  purchase(request: PurchaseRequest, signal?: AbortSignal): Promise<ProviderNumber>;
  get(providerNumberId: string, signal?: AbortSignal): Promise<ProviderNumber>;
  /** Looks a number up among the account's own numbers; undefined when not owned. */
  findOwned(phoneNumber: string, signal?: AbortSignal): Promise<ProviderNumber | undefined>;
  list(options?: ListOwnedOptions, signal?: AbortSignal): Promise<OwnedPage>;
  update(providerNumberId: string, changes: UpdateRequest, signal?: AbortSignal): Promise<ProviderNumber>;
  /** Resolves when the number is released or was already gone (404 counts as released). */
  release(providerNumberId: string, signal?: AbortSignal): Promise<void>;
  /** Providers that sell through orders (Telnyx): the order's current state. */
  getOrder?(orderId: string, signal?: AbortSignal): Promise<ProviderOrder>;
  /**
   * Providers whose search results carry no price but who publish one per country and number type
   * (Twilio's Pricing API): the monthly price of each type they sell there.
   */
  monthlyPrices?(country: string, signal?: AbortSignal): Promise<Partial<Record<NumberType, Money>>>;
}

export interface ProviderOrder {
  id: string;
  status: 'pending' | 'success' | 'failure';
  phoneNumbers: { phoneNumber: string; status?: string; providerNumberId?: string; requirementsStatus?: string }[];
  failureReason?: string;
}

export interface ProviderCapabilities {
  countries: 'any' | readonly string[];
  numberTypes: readonly NumberType[];
  searchFilters: readonly (keyof Omit<SearchCriteria, 'country' | 'type' | 'limit'>)[];
  maxSearchLimit: number;
  /**
   * Per-number URLs the provider can set (Twilio SmsUrl/VoiceUrl/StatusCallback, Vonage
   * moHttpUrl/voiceStatusCallback); absent = none.
   */
  webhooks?: { sms: boolean; voice: boolean; statusCallback?: boolean };
  /** Numbers route through a provider application (Plivo app_id, Vonage app_id). */
  applications?: boolean;
  /** Some countries need an approved regulatory requirement group before a number can be ordered. */
  regulatoryRequirements?: boolean;
  /**
   * purchase() buys the named number there and then (no order that completes later), so asking
   * again after a 5xx answer either buys it (the first attempt did nothing) or is refused because
   * it is no longer available (the first attempt bought it). Never true for order-based providers.
   */
  immediatePurchase?: boolean;
}

/**
 * Classifies a provider failure so callers know whether to retry:
 * - `retryable`: the same call may succeed later (429, 5xx, network).
 * - `ambiguous`: the request may have taken effect (timeout or reset after sending).
 */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    message: string,
    readonly info: {
      httpStatus?: number;
      providerCode?: string;
      retryable: boolean;
      ambiguous?: boolean;
      retryAfterSeconds?: number;
      /** What the failure means in our domain, when the provider code tells us. */
      kind?: 'not_available' | 'already_owned' | 'not_found' | 'invalid_request' | 'auth' | 'rate_limited' | 'insufficient_funds' | 'unavailable';
    },
  ) {
    super(message);
    this.name = 'ProviderError';
  }
  get retryable(): boolean {
    return this.info.retryable;
  }
  get ambiguous(): boolean {
    return this.info.ambiguous === true;
  }
}

/** What the provider registry (./registry.ts) gives a provider's factory. */
export interface ProviderFactoryOptions<C> {
  credentials: C;
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
  /** HTTP client settings: the account's pacing (its API rate limit, requests per second). */
  http?: { pacePerSecond?: number };
  /** Twilio: the Pricing API's base URL (TWILIO_PRICING_BASE_URL). */
  pricingBaseUrl?: string;
}
