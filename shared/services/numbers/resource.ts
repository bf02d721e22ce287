import type { z } from 'zod';
import type { NumberRecord } from '../../domain/number.js';
import { PhoneNumberResource } from '../../api/schemas.js';

/**
 * The API shape of a stored number. Parsing through the schema keeps only the
 * documented fields (internal purchase bookkeeping stays inside) in a stable order.
 */
export function toResource(record: NumberRecord): z.infer<typeof PhoneNumberResource> {
  return PhoneNumberResource.parse(record);
}
