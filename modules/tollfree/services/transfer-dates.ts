import { usFederalHolidaysFrom } from '../../../shared/domain/us-holidays.js';
import { addBusinessDays } from '../../../shared/providers/somos/tss.js';

/**
 * When a RespOrg change should be done: 5 to 7 business days after it was asked for (the industry's
 * usual figure, assumed: Somos publishes no service level), skipping weekends and US federal holidays
 * (observed), in UTC.
 */
export const TRANSFER_BUSINESS_DAYS = { earliest: 5, latest: 7 } as const;

export function expectedCompletion(submittedAt: Date): { earliest: string; latest: string } {
  const holidays = usFederalHolidaysFrom(submittedAt);
  return {
    earliest: addBusinessDays(submittedAt, TRANSFER_BUSINESS_DAYS.earliest, holidays).toISOString(),
    latest: addBusinessDays(submittedAt, TRANSFER_BUSINESS_DAYS.latest, holidays).toISOString(),
  };
}
