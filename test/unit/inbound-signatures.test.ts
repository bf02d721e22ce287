import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { parseForm, plivoV3Signature, verifyPlivoV3, verifyTwilioSignature, type FormParams } from '../../modules/inbound/services/signatures.js';

const TOKEN = 'abcdef01'.repeat(4);
const SHARED_KEY = 'webhooks-shared-key-secret-0001';

describe('Twilio signatures (the SDK’s webhooks module)', () => {
  const params = { AccountSid: 'AC' + 'c0ffee00'.repeat(4), To: '+14155550100', Body: 'hi', MediaUrl0: 'https://m.example/1', Tag: ['b', 'a', 'b'] };
  const url = 'https://api.example.com/webhooks/twilio/inbound';
  const check = (signature: string, overrides: Partial<Parameters<typeof verifyTwilioSignature>[0]> = {}) =>
    verifyTwilioSignature({ authToken: TOKEN, url, params, signature, settings: undefined, ...overrides });

  it('accepts a signature over the URL with or without the default port, and repeated keys sorted', () => {
    expect(check(twilio.getExpectedTwilioSignature(TOKEN, url, params))).toBe(true);
    expect(check(twilio.getExpectedTwilioSignature(TOKEN, 'https://api.example.com:443/webhooks/twilio/inbound', params))).toBe(true);
    expect(check(twilio.getExpectedTwilioSignature(TOKEN, url, params), { url: 'https://api.example.com:443/webhooks/twilio/inbound' })).toBe(true);
    expect(check(twilio.getExpectedTwilioSignature(TOKEN, url, { ...params, Tag: 'a' }))).toBe(false);
    expect(check(twilio.getExpectedTwilioSignature('0'.repeat(32), url, params))).toBe(false);
    expect(check('')).toBe(false);
  });

  it('verifies HMAC_SHA256 signatures of a Webhooks Rule with the SharedKey secret', () => {
    const settings = 'key=webhooks_sharedkey_01,algorithm=HMAC_SHA256';
    const sha256 = twilio.getExpectedTwilioSignature(SHARED_KEY, url, params, 'HMAC_SHA256');
    expect(check(sha256, { settings, sharedKeySecret: SHARED_KEY })).toBe(true);
    expect(check(sha256, { settings })).toBe(false); // no SharedKey secret on the account
    expect(check(sha256)).toBe(false); // without the header it is a SHA-1 auth-token signature
    expect(check(twilio.getExpectedTwilioSignature(TOKEN, url, params, 'HMAC_SHA256'), { settings, sharedKeySecret: SHARED_KEY })).toBe(false);
    expect(check(sha256, { settings: 'key=k,algorithm=HMAC_SHA512', sharedKeySecret: SHARED_KEY })).toBe(false);
  });

  it('reads repeated form keys as arrays', () => {
    expect(parseForm('A=1&B=2&A=3&A=1')).toEqual({ A: ['1', '3', '1'], B: '2' });
  });
});

describe('Plivo V3 signatures (hand-written)', () => {
  // Computed with plivo-node 4.79.0's validateV3Signature (dist/utils/v3Security.js).
  const nonce = '98765432109876543210';
  const token = 'sandbox-customer-token-0001';
  const vectors: { uri: string; params: FormParams; signature: string }[] = [
    {
      uri: 'https://api.example.com/webhooks/plivo/inbound',
      params: { From: '14155550888', To: '12126459739', Text: 'hi', Type: 'sms', MessageUUID: 'u-1' },
      signature: 'LCQaqIYZzJCMUbJzOqWJGZSxghbGidu0x/bqIbZewHE=',
    },
    {
      uri: 'https://api.example.com/webhooks/plivo/inbound?b=2&a=1&a=0',
      params: { To: '12126459739', Media1: 'https://m/1', Media0: 'https://m/0', Tag: ['z', 'a'] },
      signature: '5TaXKkjIu/RH09YIXbzcN3sVd/XCtCsbZQVV6NKKigk=',
    },
    { uri: 'http://127.0.0.1:8080/webhooks/plivo/inbound', params: { Body: 'mms body', Type: 'mms', MediaCount: '2' }, signature: 'wqd4qtc7tidzxkZ161pYk+L5yDzBgwP1eZAzPMKcdrU=' },
  ];
  it.each(vectors)('matches plivo-node for $uri', ({ uri, params, signature }) => {
    expect(plivoV3Signature(token, uri, params, nonce)).toBe(signature);
    expect(verifyPlivoV3(token, uri, params, nonce, `old,${signature}`)).toBe(true);
    expect(verifyPlivoV3(token, uri, params, 'another-nonce', signature)).toBe(false);
  });
});
