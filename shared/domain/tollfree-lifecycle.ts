/**
 * A toll-free number's life in time, as the tariff and the FCC's lag-time rules (47 CFR 52.103) set it
 * (pure: the API schemas use it too):
 * - reserved for at most 45 days (52.103(b)); a reservation lapses on its own and the number goes back
 *   to spare — here it is `expired`, never `reserved`;
 * - disconnected: the intercept (referral) recording plays until its end date (DISCONNECT at the
 *   registry), then the number ages (TRANSITIONAL) until it goes back to spare, at least 45 days and
 *   at most 4 months after the disconnect (52.103(d)). Here it is `disconnected` with its phase, then
 *   `released` once spare.
 */
export const tollFreeStatuses = ['reserved', 'active', 'disconnected', 'released', 'expired', 'transferring', 'transfer_failed', 'transferred_out'] as const;

/** Official tariff / 52.103(b): a reservation lapses after at most 45 days. */
export const MAX_RESERVATION_DAYS = 45;
/** A reservation that lapses within this many days is `expiringSoon`. */
export const EXPIRING_SOON_DAYS = 7;
/** 52.103(d): disconnect (+ transitional) for no less than 45 days… */
export const MIN_AGING_DAYS = 45;
/** …and no more than 4 months (taken as 120 days). */
export const MAX_DISCONNECT_DAYS = 120;
/** Intercept (referral) period when the request names none. */
export const DEFAULT_REFERRAL_DAYS = 45;

export const DAY_MS = 24 * 60 * 60 * 1000;

export type DisconnectPhase = 'scheduled' | 'referral' | 'aging' | 'spare';

export interface DisconnectState {
  requestedAt: string;
  effectiveAt: string;
  referral: boolean;
  endInterceptAt?: string;
  spareAt: string;
  reason?: string;
}

interface LifecycleFields {
  status: string;
  reservedUntil?: string;
  disconnect?: DisconnectState;
}

/** When a disconnected number is spare again: after the intercept, and at least MIN_AGING_DAYS after the disconnect. */
export function spareAtOf(effectiveAt: Date, endInterceptAt: Date | undefined): Date {
  const aged = effectiveAt.getTime() + MIN_AGING_DAYS * DAY_MS;
  return new Date(Math.max(aged, endInterceptAt?.getTime() ?? 0));
}

export function disconnectPhase(state: DisconnectState, now: Date): DisconnectPhase {
  const t = now.getTime();
  if (t < Date.parse(state.effectiveAt)) return 'scheduled';
  if (Date.parse(state.spareAt) <= t) return 'spare';
  if (state.referral && state.endInterceptAt && t < Date.parse(state.endInterceptAt)) return 'referral';
  return 'aging';
}

/** A reservation whose time is up (the registry has put the number back to spare). */
export const reservationLapsed = (record: LifecycleFields, now: Date): boolean =>
  record.status === 'reserved' && record.reservedUntil !== undefined && Date.parse(record.reservedUntil) <= now.getTime();

/** A disconnected number that has aged back to spare. */
export const disconnectEnded = (record: LifecycleFields, now: Date): boolean =>
  record.status === 'disconnected' && record.disconnect !== undefined && Date.parse(record.disconnect.spareAt) <= now.getTime();

/**
 * The number as of `now`: a lapsed reservation shows `expired`, an aged disconnect `released`;
 * reservations carry `expiresAt` and `expiringSoon`, disconnects their phase.
 */
export function asOf<T extends LifecycleFields>(record: T, now: Date): T & { expiresAt?: string; expiringSoon?: boolean } {
  if (reservationLapsed(record, now)) {
    const { reservedUntil: _until, ...rest } = record;
    return { ...(rest as T), status: 'expired', statusReason: 'the reservation lapsed (reservedUntil passed)' };
  }
  if (disconnectEnded(record, now)) return { ...record, status: 'released', disconnect: { ...record.disconnect!, phase: 'spare' } };
  if (record.status === 'reserved' && record.reservedUntil) {
    const left = Date.parse(record.reservedUntil) - now.getTime();
    return { ...record, expiresAt: record.reservedUntil, expiringSoon: left <= EXPIRING_SOON_DAYS * DAY_MS };
  }
  if (record.status === 'disconnected' && record.disconnect) return { ...record, disconnect: { ...record.disconnect, phase: disconnectPhase(record.disconnect, now) } };
  return record;
}
