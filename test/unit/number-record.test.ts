/**
 * The stored number record's schema (shared/domain/number-record.ts), which every read of
 * tenants/{t}/numbers/{id} goes through (the numbers repository, the directory's number links,
 * reconciliation): what the workflows write parses, unknown fields kept; a missing or mistyped field
 * is a logged 500 naming the collection and id only.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNumberRecord, readableNumbers, readNumber } from '../../shared/domain/number-record.js';
import { searchTokensFor, type NumberRecord } from '../../shared/domain/number.js';
import { AppError } from '../../shared/http/errors.js';
import { isWellFormed } from '../../shared/http/input-checks.js';
import { setLogSink } from '../../shared/log.js';
import { numberRecord } from '../helpers/number-fixture.js';

const at = '2026-12-01T10:00:00.000Z';
const base: NumberRecord = numberRecord('num_00000000000000000001', 'acme', '+14155550100', { friendlyName: '(415) 555-0100', createdAt: at });

/** Every optional field the workflows write, as they write it. */
const full: NumberRecord = {
  ...base,
  locality: 'San Francisco',
  region: 'CA',
  providerNumberId: 'PN0123',
  displayName: 'Front desk',
  tags: ['main'],
  webhookUrl: 'https://hooks.example.test/sms',
  voiceUrl: 'https://hooks.example.test/voice',
  smsUrl: 'https://hooks.example.test/sms',
  statusCallbackUrl: 'https://hooks.example.test/status',
  activeRouting: { voiceUrl: 'https://hooks.example.test/voice', smsUrl: null },
  applicationId: 'AP1',
  orderId: 'ord_1',
  orderEventAt: at,
  externalRef: 'gig-17',
  companyId: 'co-1',
  requirementGroupId: 'rg_1',
  vapi: { source: 'twilio', credentialId: 'vc_1', vapiCredentialId: 'cred', assistantId: 'asst', serverUrl: 'https://s.example.test', fallbackNumber: '+14155550199' },
  vapiCredentialId: 'cred',
  countedInUsage: true,
  countedAs: 'import',
  uncountedByJob: 'job_1',
  origin: { jobId: 'job_1', itemId: 'it_00001' },
  purpose: 'customer_support',
  locationId: 'loc_1',
  locationName: 'Main clinic',
  assignedTo: { id: 'u2', name: 'Dr. Who' },
  agentId: 'agt_1',
  outboundAgentIds: ['agt_1', 'agt_2'],
  monthlyRate: { amount: '1.15', currency: 'USD' },
  searchTokens: searchTokensFor({ displayName: 'Front desk', phoneNumber: '+14155550100' }),
  statusReason: 'reason',
  purchase: { leaseUntil: at, attempts: 2, outcome: 'settled', lastError: { code: '20503', message: 'unavailable' } },
  providerChange: { requestId: 'req-1', startedAt: at, changes: { displayName: 'x', webhookUrl: null }, activeRouting: { applicationId: null } },
  provisionedAt: at,
  releasedAt: at,
  releaseReason: 'no longer needed',
};

describe('stored number record', () => {
  it('parses what the workflows write, keeping unknown fields', () => {
    expect(parseNumberRecord(base)).toEqual(base);
    expect(parseNumberRecord(full)).toEqual(full);
    expect(parseNumberRecord({ ...base, legacyField: 7 })).toMatchObject({ legacyField: 7 });
  });

  it.each(['id', 'tenantId', 'provider', 'accountId', 'phoneNumber', 'status', 'capabilities', 'tags', 'createdAt'])('refuses a record without %s', (field) => {
    const { [field as keyof NumberRecord]: _dropped, ...rest } = base;
    expect(() => parseNumberRecord(rest)).toThrow();
  });

  it('refuses a mistyped field', () => {
    expect(() => parseNumberRecord({ ...base, status: 'sold' })).toThrow();
    expect(() => parseNumberRecord({ ...base, provider: 'acme-telecom' })).toThrow();
    expect(() => parseNumberRecord({ ...base, purchase: { attempts: '1' } })).toThrow();
    expect(() => parseNumberRecord({ ...base, outboundAgentIds: 'agt_1' })).toThrow();
  });

  describe('read through readNumber', () => {
    let lines: string[] = [];
    let restore: () => void = () => undefined;
    beforeEach(() => {
      lines = [];
      restore = setLogSink((line) => lines.push(line));
    });
    afterEach(() => restore());

    it('answers a record that does not match with a 500 logged by collection and id, never its content', () => {
      let thrown: unknown;
      try {
        readNumber({ ...base, status: 42, displayName: 'SECRET-NAME' }, base.id);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ code: 'INTERNAL' });
      expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(expect.objectContaining({ collection: 'numbers', id: base.id }));
      expect(lines.join('\n')).not.toContain('SECRET-NAME');
    });
  });

  it('reads a scan over many tenants without the record that does not match (logged), never stopping at it', () => {
    const docs = [
      { id: 'num_a', data: () => ({ ...base, id: 'num_a' }) },
      { id: 'num_bad', data: () => ({ ...base, id: 'num_bad', tags: 'vip' }) },
      { id: 'num_b', data: () => ({ ...base, id: 'num_b', tenantId: 'other' }) },
    ];
    expect(readableNumbers(docs).map((r) => r.id)).toEqual(['num_a', 'num_b']);
  });
});

describe('search tokens (?q=)', () => {
  it('cuts name prefixes between characters, so every token is a string Firestore can store', () => {
    // 𝟙𝟚𝟛 are letters-and-digits outside the BMP: two UTF-16 code units each.
    const tokens = searchTokensFor({ displayName: 'Desk 𝟙𝟚𝟛', phoneNumber: '+14155550100' });
    expect(tokens).toEqual(expect.arrayContaining(['de', 'desk', '𝟙𝟚', '𝟙𝟚𝟛']));
    for (const token of tokens) expect(isWellFormed(token), JSON.stringify(token)).toBe(true);
  });

  it('keeps a word whole with its combining marks (Devanagari vowel signs, Hebrew points)', () => {
    expect(searchTokensFor({ displayName: 'नमस्ते क्लिनिक', phoneNumber: '+14155550100' })).toEqual(expect.arrayContaining(['नमस्ते', 'क्लिनिक']));
    expect(searchTokensFor({ displayName: 'שָׁלוֹם', phoneNumber: '+14155550100' })).toContain('שָׁלוֹם');
  });

  it('finds a name however its accents were composed', () => {
    const decomposed = 'Zu\u0308rich clinic'; // ü as u + combining diaeresis
    expect(searchTokensFor({ displayName: decomposed, phoneNumber: '+14155550100' })).toEqual(expect.arrayContaining(['zü', 'zürich'.normalize('NFC'), 'clinic']));
  });
});
