/**
 * Routing schema (every rule, with the field each error names) and the Customer Record mapping.
 */
import { describe, expect, it } from 'vitest';
import {
  formatEffectiveAt,
  fromCustomerRecord,
  normalizeTollFree,
  parseRouting,
  RoutingMappingError,
  toCustomerRecord,
  type Routing,
  type TimeOfDayRule,
} from '../../shared/providers/somos/routing.js';

const base: Routing = { primary: { type: 'pstn', destination: '+13125550100' } };

/** The single error of an invalid routing: [field, message]. */
function errorsOf(input: unknown): Array<[string, string]> {
  const r = parseRouting(input);
  if (r.success) throw new Error('expected invalid routing');
  return r.errors.map((e) => [e.field, e.message]);
}

const tod = (over: Record<string, unknown> = {}): TimeOfDayRule =>
  ({
    days: ['mon', 'tue'],
    start: '08:00',
    end: '17:00',
    timezone: 'America/New_York',
    destination: '+13125550111',
    ...over,
  });

describe('routingSchema', () => {
  it('accepts a full valid routing', () => {
    const r = parseRouting({
      primary: { type: 'sip', destination: 'sip:support@sbc.example.com:5061' },
      disaster: { type: 'pstn', destination: '+12125550123' },
      timeOfDay: [tod(), tod({ days: ['sat'], start: '10:00', end: '24:00', destination: 'sip:weekend@10.0.0.5' })],
      areaOfService: { npas: ['212', '646'], states: ['NY', 'NJ'], latas: ['132'] },
    });
    expect(r.success).toBe(true);
  });

  it('requires an object and a primary', () => {
    expect(errorsOf('x')).toEqual([['(root)', 'routing must be an object']]);
    expect(errorsOf({})[0]![0]).toBe('primary');
  });

  it('rejects unknown fields, naming them', () => {
    expect(errorsOf({ ...base, fallback: 1 })).toEqual([['(root)', 'unknown field: fallback']]);
    expect(errorsOf({ primary: { type: 'pstn', destination: '+13125550100', weight: 1 } })).toEqual([['primary', 'unknown field: weight']]);
  });

  describe('destinations', () => {
    it('type must be sip or pstn', () => {
      expect(errorsOf({ primary: { type: 'voip', destination: '+13125550100' } })).toEqual([['primary.type', "type must be 'sip' or 'pstn'"]]);
    });
    it.each([
      ['sip:alice@example.com', true],
      ['sip:alice@example.com:5060', true],
      ['sip:+13125550100@sbc.example.com', true],
      ['sip:alice@[2001:db8::1]:5060', true],
      ['sips:alice@example.com', true],
      ['sip:example.com', false],
      ['sip:alice@', false],
      ['sip:alice@example.com:0', false],
      ['sip:alice@example.com:70000', false],
      ['http://example.com', false],
      ['alice@example.com', false],
    ])('SIP URI %s → %s', (destination, ok) => {
      const r = parseRouting({ primary: { type: 'sip', destination } });
      expect(r.success).toBe(ok);
      if (!r.success) expect(r.errors).toEqual([{ field: 'primary.destination', message: 'must be a SIP URI like sip:user@host or sip:user@host:5060' }]);
    });
    it.each([
      ['+13125550100', true],
      ['+18005550100', true],
      ['13125550100', false],
      ['+1312555010', false],
      ['+11125550100', false], // NPA cannot start with 1
      ['+13121550100', false], // NXX cannot start with 1
      ['+442071234567', false],
    ])('E.164 %s → %s', (destination, ok) => {
      const r = parseRouting({ primary: { type: 'pstn', destination } });
      expect(r.success).toBe(ok);
      if (!r.success) expect(r.errors[0]).toEqual({ field: 'primary.destination', message: expect.stringContaining('E.164') });
    });
    it('the disaster destination follows the same rules', () => {
      expect(errorsOf({ ...base, disaster: { type: 'pstn', destination: 'sip:a@b.com' } })[0]![0]).toBe('disaster.destination');
    });
  });

  describe('timeOfDay', () => {
    it('days: non-empty, known, unique', () => {
      expect(errorsOf({ ...base, timeOfDay: [tod({ days: [] })] })).toEqual([['timeOfDay[0].days', 'days must list at least one day']]);
      expect(errorsOf({ ...base, timeOfDay: [tod({ days: ['monday'] })] })).toEqual([
        ['timeOfDay[0].days[0]', 'each day must be one of mon, tue, wed, thu, fri, sat, sun'],
      ]);
      expect(errorsOf({ ...base, timeOfDay: [tod({ days: ['mon', 'mon'] })] })).toEqual([['timeOfDay[0].days', 'days must not repeat a day']]);
    });
    it('times: HH:MM 24-hour, quarter hours, end may be 24:00, end after start', () => {
      expect(errorsOf({ ...base, timeOfDay: [tod({ start: '8:00' })] })).toEqual([['timeOfDay[0].start', 'start must be HH:MM in 24-hour time (00:00 to 23:45)']]);
      expect(errorsOf({ ...base, timeOfDay: [tod({ start: '24:00' })] })[0]![0]).toBe('timeOfDay[0].start');
      expect(errorsOf({ ...base, timeOfDay: [tod({ end: '25:00' })] })[0]).toEqual(['timeOfDay[0].end', 'end must be HH:MM in 24-hour time (00:15 to 24:00)']);
      expect(errorsOf({ ...base, timeOfDay: [tod({ start: '08:10' })] })).toEqual([['timeOfDay[0].start', 'start must be on a quarter hour (:00, :15, :30 or :45)']]);
      expect(errorsOf({ ...base, timeOfDay: [tod({ start: '17:00', end: '08:00' })] })).toEqual([
        ['timeOfDay[0].end', 'end must be after start (split an overnight range into two entries)'],
      ]);
      expect(parseRouting({ ...base, timeOfDay: [tod({ start: '18:00', end: '24:00' })] }).success).toBe(true);
    });
    it('timezone: a valid IANA zone the registry supports, the same for every entry', () => {
      expect(errorsOf({ ...base, timeOfDay: [tod({ timezone: 'Mars/Olympus' })] })).toEqual([
        ['timeOfDay[0].timezone', 'timezone must be an IANA time zone such as America/New_York'],
      ]);
      expect(errorsOf({ ...base, timeOfDay: [tod({ timezone: 'Europe/Paris' })] })[0]![1]).toMatch(/^timezone must be a US zone the registry supports/);
      expect(errorsOf({ ...base, timeOfDay: [tod(), tod({ days: ['wed'], timezone: 'America/Chicago' })] })).toEqual([
        ['timeOfDay[1].timezone', 'every timeOfDay entry must use the same timezone (America/New_York)'],
      ]);
    });
    it('entries must not overlap on a shared day', () => {
      expect(errorsOf({ ...base, timeOfDay: [tod(), tod({ days: ['tue', 'wed'], start: '16:00', end: '20:00' })] })).toEqual([
        ['timeOfDay[1]', 'overlaps timeOfDay[0] on tue'],
      ]);
      expect(parseRouting({ ...base, timeOfDay: [tod(), tod({ days: ['tue'], start: '17:00', end: '20:00' })] }).success).toBe(true);
    });
    it('destination: SIP URI or E.164', () => {
      expect(errorsOf({ ...base, timeOfDay: [tod({ destination: '3125550111' })] })).toEqual([
        ['timeOfDay[0].destination', 'must be a SIP URI (sip:user@host[:port]) or an E.164 North American number (+1 then 10 digits)'],
      ]);
    });
  });

  describe('percentage', () => {
    const pct = (...ps: number[]) => ps.map((percent, i) => ({ percent, destination: `+1312555010${i}` }));
    it('sums to 100', () => {
      expect(parseRouting({ ...base, percentage: pct(60, 40) }).success).toBe(true);
      expect(errorsOf({ ...base, percentage: pct(60, 30) })).toEqual([['percentage', 'percentage entries must sum to 100 (they sum to 90)']]);
    });
    it('whole numbers from 1 to 100, at least two entries', () => {
      expect(errorsOf({ ...base, percentage: pct(50.5, 49.5) })[0]).toEqual(['percentage[0].percent', 'percent must be a whole number']);
      expect(errorsOf({ ...base, percentage: pct(0, 100) })[0]).toEqual(['percentage[0].percent', 'percent must be at least 1']);
      expect(errorsOf({ ...base, percentage: pct(100) })).toEqual([['percentage', 'percentage needs at least two entries (use primary for a single destination)']]);
    });
    it('cannot be combined with timeOfDay', () => {
      expect(errorsOf({ ...base, percentage: pct(50, 50), timeOfDay: [tod()] })).toEqual([['percentage', 'percentage cannot be combined with timeOfDay']]);
    });
  });

  describe('areaOfService', () => {
    it('NPAs, states and LATAs are checked', () => {
      expect(errorsOf({ ...base, areaOfService: { npas: ['112'] } })).toEqual([['areaOfService.npas[0]', 'each NPA must be a 3-digit area code (first digit 2-9)']]);
      expect(errorsOf({ ...base, areaOfService: { states: ['ny'] } })).toEqual([
        ['areaOfService.states[0]', 'each state must be a 2-letter US state or territory code in capitals (e.g. NY)'],
      ]);
      expect(errorsOf({ ...base, areaOfService: { latas: ['13'] } })).toEqual([['areaOfService.latas[0]', 'each LATA must be a 3-digit LATA code']]);
      expect(errorsOf({ ...base, areaOfService: { states: ['NY', 'NY'] } })).toEqual([['areaOfService.states', 'states must not contain duplicates']]);
      expect(errorsOf({ ...base, areaOfService: { npas: [] } })).toEqual([['areaOfService.npas', 'npas must not be empty when given']]);
      expect(errorsOf({ ...base, areaOfService: {} })).toEqual([['areaOfService', 'areaOfService must list at least one of npas, states or latas']]);
    });
  });
});

describe('toCustomerRecord', () => {
  const opts = { respOrgId: 'NPS01' };

  it('simple record: C fields, primary as the only destNum, whole-US AOS by default', () => {
    expect(toCustomerRecord('+1 (800) 555-0100', base, opts)).toEqual({
      num: '8005550100',
      effDtTm: 'NOW',
      cmd: 'U',
      hldIndFlag: 'N',
      priority: 'N',
      aos: { aosNet: ['US'] },
      destNums: [{ destNum: '3125550100', numTermLine: 1 }],
    });
  });

  it('AOS, carriers, contact, notes and a future effective time (rounded up to a quarter hour)', () => {
    const cr = toCustomerRecord(
      '8335550100',
      { ...base, areaOfService: { npas: ['312'], states: ['IL'], latas: ['358'] } },
      {
        ...opts,
        effectiveAt: new Date('2026-04-01T10:07:30Z'),
        carriers: { interLATA: ['ATX-0288'], intraLATA: ['ATX-0288'] },
        contact: { name: 'Ops Desk', phone: '+13125550199' },
        notes: 'tenant t1',
      },
    );
    expect(cr).toMatchObject({
      effDtTm: '2026-04-01T10:15Z',
      aos: { aosNPA: ['312'], aosState: ['IL'], aosLATA: ['358'] },
      interLATACarrier: ['ATX-0288'],
      intraLATACarrier: ['ATX-0288'],
      conName: 'Ops Desk',
      conTel: '3125550199',
      notes: 'tenant t1',
    });
    expect(formatEffectiveAt(new Date('2026-04-01T10:15:00Z'))).toBe('2026-04-01T10:15Z');
  });

  it('time of day → a G CPR section with an OTHER branch to the primary, tmZn and DST', () => {
    const cr = toCustomerRecord(
      '8445550100',
      { ...base, timeOfDay: [tod(), tod({ days: ['sat', 'sun'], start: '00:00', end: '24:00', destination: 'sip:wk@sbc.example.com' })] },
      { ...opts, sipGatewayNumber: '+13125550199' },
    );
    expect(cr.destNums.map((d) => d.destNum)).toEqual(['3125550100', '3125550111', '3125550199']);
    expect(cr.tmZn).toBe('E');
    expect(cr.dayLightSavings).toBe('Y');
    expect(cr.cprSectName).toEqual([
      {
        name: 'MAIN',
        nodeSeq: ['DA', 'TI', 'TE'],
        nodes: [
          { dayOfWeek: ['MON', 'TUE'], time: '08:00-17:00', termNum: '3125550111' },
          { dayOfWeek: ['SAT', 'SUN'], time: '00:00-24:00', termNum: '3125550199' },
          { dayOfWeek: ['OTHER'], time: 'OTHER', termNum: '3125550100' },
        ],
      },
    ]);
  });

  it('percentage → a G CPR section; entries on the same termination merge', () => {
    const cr = toCustomerRecord(
      '8445550100',
      {
        primary: { type: 'sip', destination: 'sip:a@sbc.example.com' },
        percentage: [
          { percent: 50, destination: 'sip:a@sbc.example.com' },
          { percent: 20, destination: 'sip:b@sbc.example.com' },
          { percent: 30, destination: '+13125550111' },
        ],
      },
      { ...opts, sipGatewayNumber: '+13125550199' },
    );
    expect(cr.cprSectName).toEqual([
      { name: 'MAIN', nodeSeq: ['PC', 'TE'], nodes: [{ pctAlloc: '70', termNum: '3125550199' }, { pctAlloc: '30', termNum: '3125550111' }] },
    ]);
  });

  it('all-SIP routing is a simple record to the gateway (our platform applies time of day)', () => {
    const cr = toCustomerRecord(
      '8445550100',
      { primary: { type: 'sip', destination: 'sip:a@sbc.example.com' }, timeOfDay: [tod({ destination: 'sip:b@sbc.example.com' })] },
      { ...opts, sipGatewayNumber: '+13125550199' },
    );
    expect(cr.cprSectName).toBeUndefined();
    expect(cr.destNums).toEqual([{ destNum: '3125550199', numTermLine: 1 }]);
  });

  it('disaster mode routes everything to the disaster destination (or the default)', () => {
    expect(toCustomerRecord('8445550100', { ...base, disaster: { type: 'pstn', destination: '+12125550123' } }, { ...opts, mode: 'disaster' }).destNums).toEqual([
      { destNum: '2125550123', numTermLine: 1 },
    ]);
    expect(toCustomerRecord('8445550100', base, { ...opts, mode: 'disaster', defaultDisasterNumber: '+12125550999' }).destNums[0]!.destNum).toBe('2125550999');
    expect(() => toCustomerRecord('8445550100', base, { ...opts, mode: 'disaster' })).toThrow(RoutingMappingError);
  });

  it('refuses what the registry cannot express', () => {
    expect(() => toCustomerRecord('8445550100', { primary: { type: 'sip', destination: 'sip:a@b.com' } }, opts)).toThrow(/primary\.destination: a SIP destination needs sipGatewayNumber/);
    expect(() => toCustomerRecord('3125550100', base, opts)).toThrow(/num: '3125550100' is not a toll-free number/);
    expect(() => toCustomerRecord('8445550100', base, { respOrgId: 'np1' })).toThrow(/respOrgId/);
  });
});

describe('fromCustomerRecord', () => {
  it('round-trips what toCustomerRecord writes (SIP destinations come back as the gateway)', () => {
    const routing: Routing = {
      ...base,
      timeOfDay: [tod({ timezone: 'America/Phoenix' }), tod({ days: ['sat'], timezone: 'America/Phoenix', destination: 'sip:wk@sbc.example.com' })],
      areaOfService: { states: ['AZ'] },
    };
    const cr = toCustomerRecord('8445550100', routing, { respOrgId: 'NPS01', sipGatewayNumber: '+13125550199', carriers: { interLATA: ['ATX-0288'] } });
    const back = fromCustomerRecord(cr, { sipGatewayNumber: '+13125550199' });
    expect(back).toEqual({
      num: '8445550100',
      effDtTm: 'NOW',
      primary: { type: 'pstn', destination: '+13125550100' },
      destinations: [
        { type: 'pstn', destination: '+13125550100' },
        { type: 'pstn', destination: '+13125550111' },
        { type: 'sip_gateway', destination: '+13125550199' },
      ],
      timeOfDay: [
        { days: ['mon', 'tue'], start: '08:00', end: '17:00', timezone: 'America/Phoenix', destination: { type: 'pstn', destination: '+13125550111' } },
        { days: ['sat'], start: '08:00', end: '17:00', timezone: 'America/Phoenix', destination: { type: 'sip_gateway', destination: '+13125550199' } },
      ],
      areaOfService: { states: ['AZ'] },
      carriers: { interLATA: ['ATX-0288'] },
    });
  });

  it('percentage round trip; tolerates foreign or partial records', () => {
    const cr = toCustomerRecord('8445550100', { ...base, percentage: [{ percent: 25, destination: '+13125550100' }, { percent: 75, destination: '+13125550111' }] }, { respOrgId: 'NPS01' });
    expect(fromCustomerRecord(cr).percentage).toEqual([
      { percent: 25, destination: { type: 'pstn', destination: '+13125550100' } },
      { percent: 75, destination: { type: 'pstn', destination: '+13125550111' } },
    ]);
    expect(fromCustomerRecord({ num: '8005550100', destNums: [{ destNum: 'garbage' }], cprSectName: [{ nodes: [] }], aos: { aosNet: ['US'] } })).toEqual({
      num: '8005550100',
      destinations: [],
      areaOfService: { networks: ['US'] },
    });
    expect(fromCustomerRecord(null)).toEqual({ num: '', destinations: [] });
  });
});

describe('normalizeTollFree', () => {
  it.each([
    ['8005550100', '8005550100'],
    ['+18335550100', '8335550100'],
    ['1-888-555-0100', '8885550100'],
    ['(877) 555 0100', '8775550100'],
  ])('%s → %s', (input, out) => expect(normalizeTollFree(input)).toBe(out));
  it.each(['8005550', '8015550100', '8001550100', '+447911123456'])('rejects %s', (input) => expect(() => normalizeTollFree(input)).toThrow(RoutingMappingError));
});
