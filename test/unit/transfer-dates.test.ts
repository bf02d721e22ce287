import { describe, expect, it } from 'vitest';
import { usFederalHolidays } from '../../shared/domain/us-holidays.js';
import { expectedCompletion } from '../../modules/tollfree/services/transfer-dates.js';
import { selfDestinationField } from '../../modules/tollfree/services/routing-rules.js';

describe('US federal holidays (observed)', () => {
  it('2026 and 2027, with weekend days moved to the Friday before or the Monday after', () => {
    expect(usFederalHolidays(2026)).toEqual([
      '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03', // Jul 4 is a Saturday
      '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25',
    ]);
    expect(usFederalHolidays(2027)).toEqual([
      '2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-06-18', '2027-07-05', // Jun 19 Sat, Jul 4 Sun
      '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25', '2027-12-24', // Dec 25 is a Saturday
    ]);
  });
});

describe('RespOrg transfer: expected completion (5-7 business days)', () => {
  it('skips weekends', () => {
    // Monday 10:00 → Monday (5) and Wednesday (7) the week after.
    expect(expectedCompletion(new Date('2026-03-02T10:00:00Z'))).toEqual({ earliest: '2026-03-09T10:00:00.000Z', latest: '2026-03-11T10:00:00.000Z' });
    // Saturday: counted from the next business day's start.
    // Saturday: counted from the start of Monday (Mon 9 → 16 and 18).
    expect(expectedCompletion(new Date('2026-03-07T15:00:00Z'))).toEqual({ earliest: '2026-03-16T00:00:00.000Z', latest: '2026-03-18T00:00:00.000Z' });
  });

  it('skips US federal holidays (Thanksgiving, Christmas and New Year across the year end)', () => {
    // Wednesday before Thanksgiving: Fri 27, Mon 30, Tue 1, Wed 2, Thu 3 | Fri 4, Mon 7.
    expect(expectedCompletion(new Date('2026-11-25T10:00:00Z'))).toEqual({ earliest: '2026-12-03T10:00:00.000Z', latest: '2026-12-07T10:00:00.000Z' });
    // Tue 22 Dec 2026: Wed 23, Thu 24, (Fri 25 Christmas), Mon 28, Tue 29, Wed 30 | Thu 31, (Fri 1 Jan), Mon 4.
    expect(expectedCompletion(new Date('2026-12-22T09:00:00Z'))).toEqual({ earliest: '2026-12-30T09:00:00.000Z', latest: '2027-01-04T09:00:00.000Z' });
  });
});

describe('routing to the number itself', () => {
  const pstn = (destination: string) => ({ type: 'pstn' as const, destination });
  it('names the first destination that is the number', () => {
    expect(selfDestinationField('8335550100', { primary: pstn('+13125550100') })).toBeUndefined();
    expect(selfDestinationField('8335550100', { primary: pstn('+18335550100') })).toBe('primary.destination');
    expect(selfDestinationField('8335550100', { primary: pstn('+13125550100'), disaster: pstn('+18335550100') })).toBe('disaster.destination');
    expect(
      selfDestinationField('8335550100', {
        primary: pstn('+13125550100'),
        percentage: [
          { percent: 50, destination: '+13125550101' },
          { percent: 50, destination: '+18335550100' },
        ],
      }),
    ).toBe('percentage[1].destination');
  });
});
