/**
 * The toll-free service's pure parts: search modes, vanity patterns, routing validation with the
 * platform defaults, RespOrg transfer states, the notification secret check, the 202 poll schedule.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { AppError } from '../../shared/http/errors.js';
import { AvailableTollFreeQuery, ReserveTollFreeBody } from '../../shared/api/schemas.js';
import { checkSpecFields, searchMode, toSomosSearch, vanityPattern } from '../../modules/tollfree/services/search-spec.js';
import { searchCacheKey } from '../../modules/tollfree/services/search.js';
import { routingIssuePath, validateRouting } from '../../modules/tollfree/services/numbers.js';
import { advances, itemStatusOf, overallStatus } from '../../modules/tollfree/services/transfers.js';
import { notificationSecretMatches } from '../../modules/tollfree/services/notifications.js';
import { requestPollDelayMs } from '../../modules/tollfree/services/requests.js';
import { somosBaseUrl } from '../../modules/tollfree/services/platform.js';

const config = (env: Record<string, string> = {}) => parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', ...env });
const NOW = new Date('2026-03-02T15:00:00Z');

describe('search modes', () => {
  it('defaults to random and accepts one mode with its own narrowing fields', () => {
    expect(searchMode({})).toEqual({ mode: 'random' });
    expect(searchMode({ npa: '833', nxx: '555', line: '0100', consecutive: true, quantity: 3 })).toEqual({ mode: 'random' });
    expect(searchMode({ pattern: '8**9**0023', quantity: 2 })).toEqual({ mode: 'wildcard' });
    expect(searchMode({ vanity: 'FLOWERS', npa: '800' })).toEqual({ mode: 'vanity' });
    expect(searchMode({ numbers: ['8335550100'] })).toEqual({ mode: 'specific' });
  });

  it('refuses two modes, and fields a mode cannot use, naming the field', () => {
    expect(searchMode({ pattern: '8**9**0023', vanity: 'FLOWERS' })).toEqual({
      issues: [{ field: 'vanity', message: 'use exactly one of numbers, pattern or vanity (got pattern and vanity)' }],
    });
    expect(searchMode({ numbers: ['8335550100'], quantity: 2 })).toMatchObject({ issues: [{ field: 'quantity' }] });
    expect(searchMode({ pattern: '8**9**0023', npa: '833' })).toMatchObject({ issues: [{ field: 'npa' }] });
    expect(searchMode({ vanity: 'CALL', nxx: '555' })).toMatchObject({ issues: [{ field: 'nxx' }] });
  });

  it('turns vanity letters into keypad digits behind any toll-free NPA (or the given one)', () => {
    expect(vanityPattern('FLOWERS')).toBe('8**3569377');
    expect(vanityPattern('CALL', '833')).toBe('833***2255');
    expect(vanityPattern('1-GO')).toBe('8******146');
  });

  it('maps each mode to the registry request', () => {
    expect(toSomosSearch({ npa: '844', consecutive: true }, 10)).toEqual({ mode: 'random', request: { kind: 'random', qty: 10, npa: '844', consecutive: true } });
    expect(toSomosSearch({ vanity: 'FLOWERS', quantity: 2 }, 10)).toEqual({
      mode: 'vanity',
      pattern: '8**3569377',
      request: { kind: 'wildcard', qty: 2, pattern: '8**3569377' },
    });
    expect(toSomosSearch({ numbers: ['+18335550100', '833-555-0100', '8445550100'] }, 1)).toEqual({
      mode: 'specific',
      request: { kind: 'specific', numbers: ['8335550100', '8445550100'] },
    });
  });

  it('checks every field on its own too', () => {
    expect(checkSpecFields({ npa: '900', nxx: '155', line: '12', quantity: 11, pattern: '9**', vanity: 'TOOLONGWORD', numbers: ['2125550100'] }).map((i) => i.field)).toEqual([
      'npa',
      'nxx',
      'line',
      'quantity',
      'pattern',
      'vanity',
      'numbers',
    ]);
  });

  it('the API schemas apply the same rules (query and body)', () => {
    const q = AvailableTollFreeQuery.safeParse({ numbers: '8335550100,+18445550100', consecutive: 'true' });
    expect(q.success).toBe(false);
    expect(q.error?.issues.map((i) => i.path.join('.'))).toEqual(['consecutive']);
    expect(AvailableTollFreeQuery.parse({ numbers: '8335550100,+18445550100,8335550100' }).numbers).toEqual(['8335550100', '8445550100']);
    const body = ReserveTollFreeBody.safeParse({ pattern: '8**9**0023', numbers: ['8335550100'], contactName: 'x', contactPhone: '+13125550111' });
    expect(body.error?.issues.map((i) => i.path.join('.'))).toEqual(['pattern']);
    expect(ReserveTollFreeBody.safeParse({ numbers: ['8335550100'], contactName: 'x', contactPhone: '+442071234567' }).success).toBe(false);
  });

  it('caches per RespOrg unit and query', () => {
    const a = toSomosSearch({ npa: '833' }, 10);
    expect(searchCacheKey('NPS01', a)).toBe(searchCacheKey('NPS01', toSomosSearch({ npa: '833' }, 10)));
    expect(searchCacheKey('NPS01', a)).not.toBe(searchCacheKey('NPS02', a));
    expect(searchCacheKey('NPS01', a)).not.toBe(searchCacheKey('NPS01', toSomosSearch({ npa: '833', quantity: 2 }, 10)));
  });
});

describe('routing validation', () => {
  const sip = { primary: { type: 'sip', destination: 'sip:support@sbc.example.com' } };
  const error = (fn: () => unknown): AppError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error('expected an AppError');
  };

  it('names the field as an API issue path', () => {
    expect(routingIssuePath('(root)')).toBe('body.routing');
    expect(routingIssuePath('timeOfDay[0].start')).toBe('body.routing.timeOfDay.0.start');
    expect(routingIssuePath('percentage')).toBe('body.routing.percentage');
    const err = error(() => validateRouting(config(), '8335550100', 'NPS01', { routing: { primary: { type: 'pstn', destination: '3125550100' } } }, NOW));
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toMatch(/^Invalid body\.routing\.primary\.destination: /);
    expect(err.details?.issues).toEqual([{ path: 'body.routing.primary.destination', field: 'primary.destination', message: expect.stringContaining('E.164') }]);
  });

  it('fills in the platform’s disaster number when the routing has none', () => {
    const withDefault = validateRouting(config({ SOMOS_DEFAULT_DISASTER_NUMBER: '+13125550100' }), '8335550100', 'NPS01', { routing: { primary: { type: 'pstn', destination: '+13125550140' } } }, NOW);
    expect(withDefault).toMatchObject({ disasterDefaulted: true, mode: 'normal', routing: { disaster: { type: 'pstn', destination: '+13125550100' } } });
    const own = validateRouting(
      config({ SOMOS_DEFAULT_DISASTER_NUMBER: '+13125550100' }),
      '8335550100',
      'NPS01',
      { routing: { primary: { type: 'pstn', destination: '+13125550140' }, disaster: { type: 'pstn', destination: '+12125550100' } } },
      NOW,
    );
    expect(own).toMatchObject({ disasterDefaulted: false, routing: { disaster: { destination: '+12125550100' } } });
    const none = error(() => validateRouting(config(), '8335550100', 'NPS01', { routing: { primary: { type: 'pstn', destination: '+13125550140' } }, mode: 'disaster' }, NOW));
    expect(none.details?.issues).toEqual([{ path: 'body.routing.disaster', message: expect.stringContaining('disaster mode') }]);
  });

  it('SIP destinations need the platform’s gateway number: 503 without it', () => {
    expect(error(() => validateRouting(config(), '8335550100', 'NPS01', { routing: sip }, NOW)).code).toBe('SERVICE_UNAVAILABLE');
    expect(validateRouting(config({ SOMOS_SIP_GATEWAY_NUMBER: '+13125550199' }), '8335550100', 'NPS01', { routing: sip }, NOW).routing).toEqual(sip);
  });

  it('effectiveAt must not be in the past', () => {
    const routing = { primary: { type: 'pstn', destination: '+13125550140' } };
    expect(validateRouting(config(), '8335550100', 'NPS01', { routing, effectiveAt: '2026-03-03T00:00:00Z' }, NOW).effectiveAt?.toISOString()).toBe('2026-03-03T00:00:00.000Z');
    expect(error(() => validateRouting(config(), '8335550100', 'NPS01', { routing, effectiveAt: '2026-03-01T00:00:00Z' }, NOW)).details?.issues).toEqual([
      { path: 'body.effectiveAt', message: 'must be now or in the future' },
    ]);
  });
});

describe('RespOrg transfer states', () => {
  it('maps the registry’s words, unknown ones to nothing', () => {
    expect(itemStatusOf('APPROVED')).toBe('approved');
    expect(itemStatusOf('completed')).toBe('completed');
    expect(itemStatusOf('CANCELED')).toBe('cancelled');
    expect(itemStatusOf('ON_HOLD')).toBeUndefined();
  });

  it('only moves forward', () => {
    expect(advances('pending', 'approved')).toBe(true);
    expect(advances('approved', 'completed')).toBe(true);
    expect(advances('pending', 'rejected')).toBe(true);
    expect(advances('approved', 'pending')).toBe(false);
    expect(advances('completed', 'completed')).toBe(false);
    expect(advances('completed', 'cancelled')).toBe(false);
  });

  it('summarises the items', () => {
    const s = (...statuses: Parameters<typeof advances>[0][]) => overallStatus(statuses.map((status) => ({ status })));
    expect(s()).toBe('submitted');
    expect(s('submitted', 'pending')).toBe('submitted');
    expect(s('pending', 'completed')).toBe('pending');
    expect(s('approved', 'pending')).toBe('approved');
    expect(s('completed', 'completed')).toBe('completed');
    expect(s('completed', 'rejected')).toBe('partially_completed');
    expect(s('cancelled', 'cancelled')).toBe('cancelled');
    expect(s('failed')).toBe('failed');
    expect(s('rejected', 'failed')).toBe('rejected');
  });
});

describe('notification secret', () => {
  const secret = 'local-somos-notification-secret-0001';
  it('matches only the exact secret, whatever the length of the guess', () => {
    expect(notificationSecretMatches(secret, secret)).toBe(true);
    for (const guess of [undefined, '', 'x', secret.slice(0, -1), `${secret}x`, secret.toUpperCase(), `${secret.slice(0, -1)}2`]) {
      expect(notificationSecretMatches(secret, guess)).toBe(false);
    }
  });
});

describe('202 follow-ups and hosts', () => {
  it('polls after 5 s, backing off to once a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 30].map(requestPollDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it('uses the credentials’ environment unless SOMOS_API_BASE_URL points elsewhere', () => {
    expect(somosBaseUrl(config(), 'sandbox')).toBe('https://sandbox-api-tfnregistry.somos.com');
    expect(somosBaseUrl(config(), 'production')).toBe('https://api-tfnregistry.somos.com');
    expect(somosBaseUrl(config({ SOMOS_API_BASE_URL: 'http://127.0.0.1:4020' }), 'production')).toBe('http://127.0.0.1:4020');
  });

  it('validates the Somos settings at start', () => {
    expect(() => config({ SOMOS_DEFAULT_RESPORG_ID: 'np1' })).toThrow(/SOMOS_DEFAULT_RESPORG_ID/);
    expect(() => config({ SOMOS_NOTIFICATION_SECRET: 'short' })).toThrow(/SOMOS_NOTIFICATION_SECRET: must be at least 24 characters/);
    expect(() => config({ SOMOS_DEFAULT_DISASTER_NUMBER: '3125550100' })).toThrow(/SOMOS_DEFAULT_DISASTER_NUMBER/);
    expect(config({ SOMOS_ENTITY_ID: '' }).SOMOS_ENTITY_ID).toBeUndefined();
    expect(config().SOMOS_ACCEPT_VERSION).toBe('3.11');
  });
});
