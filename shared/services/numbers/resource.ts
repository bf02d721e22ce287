import type { z } from 'zod';
import type { NumberRecord } from '../../domain/number.js';
import type { PhoneNumberResource } from '../../api/schemas.js';

/** The API shape of a stored number: internal purchase bookkeeping and tenant ids stay inside. */
export function toResource(record: NumberRecord): z.infer<typeof PhoneNumberResource> {
  const { tenantId: _tenant, purchase: _purchase, createdBy: _createdBy, ...visible } = record;
  return visible;
}
