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
  /** 'unknown' after an ambiguous provider failure that a lookup could not settle. */
  outcome: 'in_flight' | 'unknown' | 'settled';
  lastError?: { code?: string; message: string };
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
  webhookUrl?: string;
  monthlyCost?: Money;
  status: NumberStatus;
  statusReason?: string;
  purchase?: PurchaseAttempt;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  provisionedAt?: string;
  releasedAt?: string;
  releaseReason?: string;
}
