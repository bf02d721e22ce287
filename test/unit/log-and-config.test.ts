import { describe, expect, it } from 'vitest';
import { createLogger, redact, setLogSink, MASK } from '../../shared/log.js';
import { ConfigError, parseConfig } from '../../shared/config.js';

/** The shape of the record redacted below: redaction keeps keys and nesting, and changes values only. */
interface RedactedRecord {
  authToken: string;
  nested: { apiSecret: string; headers: { Authorization: string } };
  note: string;
  count: number;
}

describe('log redaction', () => {
  it('masks credential fields and credential-looking values at any depth', () => {
    const out = redact({
      authToken: 'abc123abc123abc123',
      nested: { apiSecret: 's3cr3t', headers: { Authorization: 'Basic QUMxMjM6c2VjcmV0' } },
      note: 'called with Bearer eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJlMTIz and https://AC1:tok@api.example.com/x',
      count: 3,
    }) as RedactedRecord;
    expect(out.authToken).toBe(MASK);
    expect(out.nested.apiSecret).toBe(MASK);
    expect(out.nested.headers.Authorization).toBe(MASK);
    expect(out.note).not.toMatch(/eyJhbGciOi|tok@/);
    expect(out.count).toBe(3);
  });

  it('writes Cloud Logging JSON lines', () => {
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    createLogger({ requestId: 'r-1' }).error('boom', { password: 'hunter2' });
    restore();
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ severity: 'ERROR', message: 'boom', requestId: 'r-1', password: MASK });
  });
});

describe('config', () => {
  it('lists every bad variable at once', () => {
    try {
      parseConfig({ TWILIO_API_BASE_URL: 'not a url', PROVIDER_TIMEOUT_MS: '-1' });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/GOOGLE_CLOUD_PROJECT/);
      expect(problems).toMatch(/TWILIO_API_BASE_URL/);
      expect(problems).toMatch(/PROVIDER_TIMEOUT_MS/);
    }
  });
  it('refuses a local key file in production', () => {
    expect(() => parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', AUTH_JWKS_FILE: '/x', TASKS_SERVICE_ACCOUNT: 'a@b.iam.gserviceaccount.com' })).toThrow(/AUTH_JWKS_FILE/);
  });
  it('defaults provider hosts to production', () => {
    const config = parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'local' });
    expect(config.TWILIO_API_BASE_URL).toBe('https://api.twilio.com');
    expect(config.authProjectId).toBe('p');
  });
});
