/** A stored number record as the purchase workflow leaves it (an active local US number), for arranging tests. */
import type { NumberRecord } from '../../shared/domain/number.js';

export function numberRecord(id: string, tenantId: string, phoneNumber: string, extra: Partial<NumberRecord> = {}): NumberRecord {
  const at = extra.createdAt ?? '2026-02-01T00:00:00.000Z';
  return {
    id,
    tenantId,
    provider: 'twilio',
    accountId: 'platform',
    phoneNumber,
    friendlyName: phoneNumber,
    country: 'US',
    type: 'local',
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    tags: [],
    smsEnabled: true,
    voiceEnabled: true,
    status: 'active',
    createdAt: at,
    updatedAt: at,
    createdBy: 'u1',
    ...extra,
  };
}
