import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  TelnyxWebhookError,
  importTelnyxPublicKey,
  isValidTelnyxSignature,
  parseTelnyxEvent,
  signTelnyxWebhook,
  telnyxKeyPair,
  telnyxSignatureHeaders,
  verifyTelnyxSignature,
  type VerifyTelnyxSignatureOptions,
} from '../../shared/providers/telnyx/webhooks.js';

const keys = telnyxKeyPair();
const other = telnyxKeyPair();
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const TS = String(Math.floor(NOW / 1000));

// The spec's numberOrderStatusUpdate example, as Telnyx would send it.
const event = {
  data: {
    event_type: 'number_order.complete',
    id: 'd578b093-a0e7-4b64-b0d3-6b689a6ff170',
    occurred_at: '2025-08-22T16:23:54.496464Z',
    payload: {
      id: '12ade33a-21c0-473b-b055-b3c836e1c292',
      connection_id: '346789098765567',
      customer_reference: 'MY REF 001',
      status: 'success',
      phone_numbers: [
        {
          id: 'dc8e4d67-33a0-4cbb-af74-7b58f05bd494',
          record_type: 'number_order_phone_number',
          phone_number: '+19705555098',
          requirements_met: true,
          status: 'success',
        },
      ],
    },
    record_type: 'event',
  },
  meta: { attempt: 1, delivered_to: 'https://sample-api.com/webhook' },
};
const rawBody = JSON.stringify(event);

function opts(over: Partial<VerifyTelnyxSignatureOptions> = {}): VerifyTelnyxSignatureOptions {
  return {
    publicKeyBase64: keys.publicKeyBase64,
    signatureBase64: signTelnyxWebhook(keys.privateKey, TS, rawBody),
    timestamp: TS,
    rawBody,
    now: NOW,
    ...over,
  };
}

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof TelnyxWebhookError) return err.reason;
    throw err;
  }
  return undefined;
}

describe('verifyTelnyxSignature', () => {
  it('accepts a valid signature over `${timestamp}|${rawBody}` (string, Buffer, header arrays)', () => {
    expect(verifyTelnyxSignature(opts())).toBe(true);
    expect(verifyTelnyxSignature(opts({ rawBody: Buffer.from(rawBody), timestamp: Number(TS) }))).toBe(true);
    expect(verifyTelnyxSignature(opts({ signatureBase64: [signTelnyxWebhook(keys.privateKey, TS, rawBody)], timestamp: [TS] }))).toBe(true);
    expect(isValidTelnyxSignature(opts())).toBe(true);
    // Within the tolerance either way.
    expect(verifyTelnyxSignature(opts({ now: NOW + 299_000 }))).toBe(true);
    expect(verifyTelnyxSignature(opts({ now: NOW - 299_000 }))).toBe(true);
  });

  it('missing headers', () => {
    expect(reason(() => verifyTelnyxSignature(opts({ signatureBase64: undefined })))).toBe('missing');
    expect(reason(() => verifyTelnyxSignature(opts({ signatureBase64: '' })))).toBe('missing');
    expect(reason(() => verifyTelnyxSignature(opts({ timestamp: null })))).toBe('missing');
  });

  it('malformed headers', () => {
    expect(reason(() => verifyTelnyxSignature(opts({ timestamp: '2026-01-15T12:00:00Z' })))).toBe('malformed');
    expect(reason(() => verifyTelnyxSignature(opts({ signatureBase64: 'not base64!' })))).toBe('malformed');
    expect(reason(() => verifyTelnyxSignature(opts({ signatureBase64: Buffer.alloc(32).toString('base64') })))).toBe('malformed');
  });

  it('stale timestamps (past and future), custom tolerance', () => {
    expect(reason(() => verifyTelnyxSignature(opts({ now: NOW + 301_000 })))).toBe('stale');
    expect(reason(() => verifyTelnyxSignature(opts({ now: NOW - 301_000 })))).toBe('stale');
    expect(reason(() => verifyTelnyxSignature(opts({ now: NOW + 20_000, toleranceSeconds: 10 })))).toBe('stale');
    expect(isValidTelnyxSignature(opts({ now: new Date(NOW + 3_600_000) }))).toBe(false);
  });

  it('forged: another key, a tampered body, a replayed signature with a new timestamp', () => {
    expect(reason(() => verifyTelnyxSignature(opts({ signatureBase64: signTelnyxWebhook(other.privateKey, TS, rawBody) })))).toBe('forged');
    expect(reason(() => verifyTelnyxSignature(opts({ rawBody: rawBody.replace('success', 'failure') })))).toBe('forged');
    expect(reason(() => verifyTelnyxSignature(opts({ rawBody: `${rawBody} ` })))).toBe('forged');
    const newTs = String(Number(TS) + 60);
    expect(reason(() => verifyTelnyxSignature(opts({ timestamp: newTs, now: NOW + 60_000 })))).toBe('forged');
    expect(reason(() => verifyTelnyxSignature(opts({ publicKeyBase64: other.publicKeyBase64 })))).toBe('forged');
  });

  it('a malformed public key is a configuration error (plain Error), not a bad request', () => {
    expect(() => verifyTelnyxSignature(opts({ publicKeyBase64: 'AAAA' }))).toThrow(/public key/);
    expect(() => isValidTelnyxSignature(opts({ publicKeyBase64: 'AAAA' }))).toThrow(/public key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => importTelnyxPublicKey(rsa)).toThrow(/Ed25519/);
  });

  it('public keys as raw base64, SPKI PEM; private keys as seed, PEM or KeyObject', () => {
    const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(verifyTelnyxSignature(opts({ publicKeyBase64: pem }))).toBe(true);
    expect(Buffer.from(keys.publicKeyBase64, 'base64')).toHaveLength(32);
    const fromSeed = signTelnyxWebhook(keys.privateKeyBase64, TS, rawBody);
    const fromPem = signTelnyxWebhook(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), TS, rawBody);
    expect(fromSeed).toBe(opts().signatureBase64); // Ed25519 is deterministic
    expect(fromPem).toBe(fromSeed);
    expect(telnyxKeyPair(keys.privateKeyBase64).publicKeyBase64).toBe(keys.publicKeyBase64);
    const headers = telnyxSignatureHeaders(keys.privateKey, rawBody, NOW);
    expect(headers['telnyx-timestamp']).toBe(TS);
    expect(verifyTelnyxSignature(opts({ signatureBase64: headers['telnyx-signature-ed25519'] }))).toBe(true);
  });
});

describe('parseTelnyxEvent', () => {
  it('normalizes number_order.* events (raw string, Buffer or parsed)', () => {
    const expected = {
      id: 'd578b093-a0e7-4b64-b0d3-6b689a6ff170',
      eventType: 'number_order.complete',
      occurredAt: '2025-08-22T16:23:54.496464Z',
      meta: { attempt: 1, deliveredTo: 'https://sample-api.com/webhook' },
      category: 'number_order',
      payload: {
        id: '12ade33a-21c0-473b-b055-b3c836e1c292',
        status: 'success',
        customerReference: 'MY REF 001',
        phoneNumbers: [{ phoneNumber: '+19705555098', status: 'success', id: 'dc8e4d67-33a0-4cbb-af74-7b58f05bd494', requirementsMet: true }],
      },
    };
    expect(parseTelnyxEvent(rawBody)).toEqual(expected);
    expect(parseTelnyxEvent(Buffer.from(rawBody))).toEqual(expected);
    expect(parseTelnyxEvent(event)).toEqual(expected);
  });

  it('failure events carry the reason', () => {
    const failed = structuredClone(event);
    failed.data.payload.status = 'failure';
    failed.data.payload.phone_numbers[0]!.status = 'failure';
    (failed.data.payload as Record<string, unknown>).failure_reason = 'Regulatory review rejected the address';
    const parsed = parseTelnyxEvent(failed);
    expect(parsed.category).toBe('number_order');
    expect(parsed.payload).toMatchObject({ status: 'failure', failureReason: 'Regulatory review rejected the address', phoneNumbers: [{ status: 'failure' }] });
  });

  it('other events pass their payload through', () => {
    const other = { data: { event_type: 'call.initiated', id: 'e1', occurred_at: '2026-01-01T00:00:00Z', payload: { call_control_id: 'c' } } };
    expect(parseTelnyxEvent(other)).toEqual({ id: 'e1', eventType: 'call.initiated', occurredAt: '2026-01-01T00:00:00Z', meta: {}, category: 'other', payload: { call_control_id: 'c' } });
  });

  it.each([
    ['not JSON', '{nope'],
    ['no data', { meta: {} }],
    ['no event type', { data: { id: 'x', occurred_at: 't' } }],
    ['order without id', { data: { event_type: 'number_order.complete', id: 'x', occurred_at: 't', payload: { status: 'success' } } }],
  ])('rejects %s as invalid_payload', (_label, body) => {
    expect(reason(() => parseTelnyxEvent(body))).toBe('invalid_payload');
  });
});
