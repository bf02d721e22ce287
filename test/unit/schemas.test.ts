import { describe, expect, it } from 'vitest';
import { CreateAgentBody, CreateLocationBody, CreateNumberBody, ListNumbersQuery, SearchAvailableQuery, UpdateNumberBody } from '../../shared/api/schemas.js';

const search = (q: Record<string, string>) => SearchAvailableQuery.safeParse({ provider: 'twilio', ...q });
const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.error?.issues.map((i) => i.message).join('; ') ?? '';

describe('search query', () => {
  it('applies defaults and translates patterns', () => {
    const r = search({ areaCode: '415', contains: 'CAFE*', capabilities: 'SMS,voice' });
    expect(r.success).toBe(true);
    expect(r.data).toMatchObject({ country: 'US', type: 'local', limit: 20, contains: '2233*', capabilities: ['sms', 'voice'] });
  });
  it('rejects invalid area codes, toll-free mismatches and limits', () => {
    expect(messages(search({ areaCode: '911' }))).toMatch(/not a valid NANP area code/);
    expect(messages(search({ areaCode: '800' }))).toMatch(/toll-free prefix/);
    expect(messages(search({ areaCode: '415', type: 'toll_free' }))).toMatch(/not a toll-free prefix/);
    expect(messages(search({ areaCode: '415', country: 'GB' }))).toMatch(/NANP/);
    expect(search({ limit: '101' }).success).toBe(false);
    expect(search({ limit: '0' }).success).toBe(false);
    expect(search({ limit: '-5' }).success).toBe(false);
    expect(search({ contains: 'a' }).success).toBe(false);
    expect(search({ contains: '55-12' }).success).toBe(false);
    expect(search({ capabilities: 'sms,telepathy' }).success).toBe(false);
    expect(search({ distance: '10' }).success).toBe(false);
    expect(search({ nearLatLong: '91,10' }).success).toBe(false);
    expect(search({ areacode: '415' }).success).toBe(false); // unknown parameter (typo) is named, not ignored
    expect(SearchAvailableQuery.safeParse({ provider: 'acme' }).success).toBe(false);
  });
});

describe('number bodies', () => {
  it('normalises the phone number and refuses http webhooks', () => {
    const ok = CreateNumberBody.safeParse({ provider: 'twilio', phoneNumber: '+1 415 555 0142' });
    expect(ok.data && 'phoneNumber' in ok.data && ok.data.phoneNumber).toBe('+14155550142');
    expect(CreateNumberBody.safeParse({ provider: 'twilio', phoneNumber: '12345' }).success).toBe(false);
    expect(CreateNumberBody.safeParse({ provider: 'twilio', phoneNumber: '+14155550142', webhookUrl: 'http://x.io' }).success).toBe(false);
    expect(CreateNumberBody.safeParse({ provider: 'twilio', phoneNumber: '+14155550142', tenantId: 'other' }).success).toBe(false);
    expect(CreateNumberBody.safeParse({ provider: 'twilio', phoneNumber: '+14155550142', __proto__: { admin: true } }).success).toBe(false); // inherited keys count as unknown too
    expect(CreateNumberBody.safeParse(JSON.parse('{"provider":"twilio","phoneNumber":"+14155550142","__proto__":{"x":1}}')).success).toBe(false);
  });
  it('requires at least one change and validates each', () => {
    expect(UpdateNumberBody.safeParse({}).success).toBe(false);
    expect(UpdateNumberBody.safeParse({ status: 'released' }).success).toBe(false);
    expect(UpdateNumberBody.safeParse({ webhookUrl: null, displayName: null }).success).toBe(true);
    expect(UpdateNumberBody.safeParse({ tags: ['ok', 'not ok'] }).success).toBe(false);
  });
  it('takes names in any script, with emoji, but refuses control characters and bidirectional overrides', () => {
    for (const name of ['Front desk 📞', 'Clinic Zürich', '診療所', 'Desk 𝟙𝟚𝟛']) expect(UpdateNumberBody.safeParse({ displayName: name }).success, name).toBe(true);
    for (const name of ['a\u0000b', 'line\nbreak', 'tab\there', '\u202Egnp.exe', 'x\u2066y', 'c1\u0085']) {
      const parsed = UpdateNumberBody.safeParse({ displayName: name });
      expect(parsed.success, JSON.stringify(name)).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/control characters or bidirectional overrides/);
    }
    expect(CreateLocationBody.safeParse({ name: 'Main\u0000' }).success).toBe(false);
    expect(CreateAgentBody.safeParse({ name: '\u202Eevil' }).success).toBe(false);
  });
  it('takes a search word with combining marks', () => {
    expect(ListNumbersQuery.safeParse({ q: 'नमस्ते' }).success).toBe(true);
    expect(ListNumbersQuery.safeParse({ q: 'a b' }).success).toBe(false);
  });
  it('bounds list pages', () => {
    expect(ListNumbersQuery.safeParse({ limit: '1000' }).success).toBe(false);
    expect(ListNumbersQuery.parse({}).limit).toBe(20);
  });
});
