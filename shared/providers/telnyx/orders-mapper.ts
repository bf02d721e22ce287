/**
 * Telnyx number orders (NumberOrderWithPhoneNumbers): the order resource, the number_order.*
 * webhook payload, and what purchase() returns for an order.
 * Contract: ../shared/contracts/telnyx/spec3.yml.
 */
import { ProviderError, type Capabilities, type ProviderNumber } from '../types.js';
import { nationalFormatOr, normalizePhone, obj, phoneFacts, str } from './map-kit.js';
import { mapPhoneNumberType } from './numbers-mapper.js';

export interface TelnyxOrderPhoneNumberRaw {
  id?: string | null;
  phone_number?: string | null;
  status?: string | null;
  country_code?: string | null;
  phone_number_type?: string | null;
  requirements_met?: boolean | null;
  requirements_status?: string | null;
  /** Not in the spec: read if present (the sandbox sends it on failures). */
  status_reason?: string | null;
}

export interface TelnyxNumberOrderRaw {
  id?: string | null;
  record_type?: string;
  status?: string | null;
  phone_numbers?: TelnyxOrderPhoneNumberRaw[] | null;
  phone_numbers_count?: number | null;
  customer_reference?: string | null;
  connection_id?: string | null;
  messaging_profile_id?: string | null;
  requirements_met?: boolean | null;
  created_at?: string | null;
  updated_at?: string | null;
  /** Not in the spec (Telnyx explains failures in order comments): read if present. */
  failure_reason?: string | null;
}

export type TelnyxOrderStatus = 'pending' | 'success' | 'failure';

/** A number order as getOrder() and the number_order.* webhooks return it. */
export interface TelnyxOrder {
  id: string;
  status: TelnyxOrderStatus;
  phoneNumbers: Array<{
    phoneNumber: string; // E.164
    status: TelnyxOrderStatus;
    /** The number_order_phone_number id (NOT a /phone_numbers id). */
    id?: string;
    requirementsMet?: boolean;
    /** Telnyx requirements_status, e.g. requirement-info-under-review, requirement-info-exception. */
    requirementsStatus?: string;
  }>;
  /** Only for failures, when Telnyx (or the sandbox) says why. */
  failureReason?: string;
  customerReference?: string;
  requirementsMet?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

// ---------------------------------------------------------------------------------------------
// Number orders

export function mapOrderStatus(value: unknown): TelnyxOrderStatus {
  const v = typeof value === 'string' ? value.toLowerCase() : '';
  if (v === 'success' || v === 'failure') return v;
  return 'pending'; // pending, or a status we do not know: not usable yet
}

const REQUIREMENT_EXCEPTION = /exception|declined|rejected|cancel/i;

/** Maps NumberOrderWithPhoneNumbers (the order resource and the number_order.* webhook payload). */
export function mapNumberOrder(raw: unknown): TelnyxOrder {
  const r = obj(raw) as TelnyxNumberOrderRaw;
  const id = str(r.id);
  if (!id) throw new ProviderError('telnyx', 'Telnyx returned a number order without id', { retryable: false });
  const phoneNumbers: TelnyxOrder['phoneNumbers'] = (Array.isArray(r.phone_numbers) ? r.phone_numbers : []).flatMap((p) => {
    const e = obj(p) as TelnyxOrderPhoneNumberRaw;
    const phone = str(e.phone_number);
    if (!phone) return [];
    const entry: TelnyxOrder['phoneNumbers'][number] = { phoneNumber: normalizePhone(phone), status: mapOrderStatus(e.status) };
    const pid = str(e.id);
    const requirementsStatus = str(e.requirements_status);
    if (pid !== undefined) entry.id = pid;
    if (typeof e.requirements_met === 'boolean') entry.requirementsMet = e.requirements_met;
    if (requirementsStatus !== undefined) entry.requirementsStatus = requirementsStatus;
    return [entry];
  });
  let status = mapOrderStatus(r.status);
  if (status === 'pending' && phoneNumbers.length > 0 && phoneNumbers.every((p) => p.status === 'failure')) status = 'failure';
  const order: TelnyxOrder = { id, status, phoneNumbers };
  const customerReference = str(r.customer_reference);
  const createdAt = str(r.created_at);
  const updatedAt = str(r.updated_at);
  if (customerReference !== undefined) order.customerReference = customerReference;
  if (typeof r.requirements_met === 'boolean') order.requirementsMet = r.requirements_met;
  if (createdAt !== undefined) order.createdAt = createdAt;
  if (updatedAt !== undefined) order.updatedAt = updatedAt;
  if (status === 'failure' || phoneNumbers.some((p) => p.status === 'failure')) {
    const reason = orderFailureReason(r);
    if (reason) order.failureReason = reason;
  }
  return order;
}

function orderFailureReason(r: TelnyxNumberOrderRaw): string | undefined {
  const explicit = str(r.failure_reason);
  if (explicit) return explicit;
  for (const p of Array.isArray(r.phone_numbers) ? r.phone_numbers : []) {
    const e = obj(p) as TelnyxOrderPhoneNumberRaw;
    const reason = str(e.status_reason);
    if (reason) return reason;
    const rs = str(e.requirements_status);
    if (rs && REQUIREMENT_EXCEPTION.test(rs)) return `Regulatory requirements not accepted (${rs})`;
  }
  return undefined;
}

/**
 * What purchase() returns for an order. providerNumberId is the E.164: the order's
 * phone-number `id` is a number_order_phone_number id, which /phone_numbers/{id} does
 * not know; get/update/release accept the E.164 and resolve the real id.
 */
export function orderToProviderNumber(order: TelnyxOrder, requestedPhone: string, orderRaw?: unknown, features?: Capabilities): ProviderNumber {
  const entry = order.phoneNumbers.find((p) => p.phoneNumber === requestedPhone);
  const phoneNumber = requestedPhone;
  const rawEntry = (Array.isArray(obj(orderRaw).phone_numbers) ? (obj(orderRaw).phone_numbers as unknown[]) : [])
    .map((p) => obj(p) as TelnyxOrderPhoneNumberRaw)
    .find((p) => str(p.phone_number) && normalizePhone(p.phone_number as string) === phoneNumber);
  const status: TelnyxOrderStatus = entry?.status === 'failure' ? 'failure' : order.status;
  const out: ProviderNumber = {
    providerNumberId: phoneNumber,
    phoneNumber,
    friendlyName: nationalFormatOr(phoneNumber),
    provider: 'telnyx',
    // The order carries no features: those of the number's search result, when known.
    capabilities: features ?? { voice: false, sms: false, mms: false, fax: false },
    ...(features ? {} : { capabilitiesUnknown: true as const }),
    order: {
      id: order.id,
      status,
      ...(order.failureReason ? { failureReason: order.failureReason } : {}),
      ...(entry?.requirementsStatus ? { requirementsStatus: entry.requirementsStatus } : {}),
    },
  };
  const country = str(rawEntry?.country_code)?.toUpperCase() ?? phoneFacts(phoneNumber).country;
  const type = mapPhoneNumberType(rawEntry?.phone_number_type);
  if (country !== undefined) out.country = country;
  if (type !== undefined) out.type = type;
  return out;
}
