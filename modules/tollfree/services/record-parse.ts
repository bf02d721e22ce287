import { z } from 'zod';
import { AppError } from '../../../shared/http/errors.js';
import { tollFreeStatuses } from '../../../shared/domain/tollfree-lifecycle.js';
import type { TollFreeRecord } from './numbers.js';

/**
 * A stored toll-free number, checked where it is read (the fields every reader relies on; the
 * rest — routing, SMS state, customer record — is kept as written).
 */
const StoredTollFree = z
  .object({
    id: z.string().regex(/^\d{10}$/),
    tenantId: z.string().min(1),
    phoneNumber: z.string(),
    status: z.enum(tollFreeStatuses),
    respOrgId: z.string(),
    reservedUntil: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    disconnect: z
      .object({ requestedAt: z.string(), effectiveAt: z.string(), referral: z.boolean(), endInterceptAt: z.string().optional(), spareAt: z.string(), reason: z.string().optional() })
      .optional(),
  })
  .passthrough();

export function parseTollFreeRecord(data: unknown, tenantId: string, num: string): TollFreeRecord {
  const parsed = StoredTollFree.safeParse(data);
  if (!parsed.success || parsed.data.tenantId !== tenantId) {
    throw new AppError('INTERNAL', `Stored toll-free number ${num} is malformed`, { fields: parsed.success ? ['tenantId'] : parsed.error.issues.map((i) => i.path.join('.')) });
  }
  return parsed.data;
}
