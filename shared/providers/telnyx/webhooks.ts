/**
 * Telnyx webhooks: Ed25519 signature check and event parsing.
 *
 * Telnyx signs `${telnyx-timestamp}|${raw request body}` with Ed25519 and sends the
 * base64 signature in `telnyx-signature-ed25519`; `telnyx-timestamp` is Unix seconds.
 * The account's public key is published (Mission Control → Keys) as the raw 32-byte key
 * in base64. Verify against the RAW body bytes, before any JSON parsing.
 *
 * Event envelope (spec3.yml NumberOrderWebhookEvent):
 *   {data: {event_type, id, occurred_at, payload, record_type: 'event'}, meta: {attempt, delivered_to}}
 * number_order.* payloads are NumberOrderWithPhoneNumbers (status pending|success|failure).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mapNumberOrder, type TelnyxOrder } from './mapper.js';

export type TelnyxWebhookFailure = 'missing' | 'malformed' | 'stale' | 'forged' | 'invalid_payload';

/** Why a webhook was refused. Answer 4xx (401 for signature failures, 400 for invalid_payload). */
export class TelnyxWebhookError extends Error {
  constructor(
    readonly reason: TelnyxWebhookFailure,
    message: string,
  ) {
    super(message);
    this.name = 'TelnyxWebhookError';
  }
}

export const TELNYX_SIGNATURE_HEADER = 'telnyx-signature-ed25519';
export const TELNYX_TIMESTAMP_HEADER = 'telnyx-timestamp';
export const DEFAULT_TOLERANCE_SECONDS = 300;

// DER prefixes of an Ed25519 SubjectPublicKeyInfo / PKCS#8 PrivateKeyInfo (RFC 8410) before the 32 raw bytes.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

const publicKeys = new Map<string, KeyObject>();

/**
 * Imports a Telnyx public key: the raw 32-byte key in base64 (as Telnyx publishes it), a
 * base64 SPKI DER, or a PEM. Throws a plain Error on a malformed key: that is a
 * configuration problem (answer 500), not a bad request.
 */
export function importTelnyxPublicKey(key: string): KeyObject {
  const cached = publicKeys.get(key);
  if (cached) return cached;
  let imported: KeyObject;
  const trimmed = key.trim();
  try {
    if (trimmed.startsWith('-----BEGIN')) {
      imported = createPublicKey(trimmed);
    } else {
      const der = Buffer.from(trimmed, 'base64');
      if (der.length === 32) imported = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, der]), format: 'der', type: 'spki' });
      else imported = createPublicKey({ key: der, format: 'der', type: 'spki' });
    }
  } catch {
    throw new Error('Telnyx public key must be the base64 of the raw 32-byte Ed25519 key (or an SPKI PEM/DER)');
  }
  if (imported.asymmetricKeyType !== 'ed25519') throw new Error('Telnyx public key is not an Ed25519 key');
  if (publicKeys.size > 32) publicKeys.clear();
  publicKeys.set(key, imported);
  return imported;
}

function toBuffer(body: string | Buffer | Uint8Array): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function signedBytes(timestamp: string, rawBody: string | Buffer | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}|`, 'utf8'), toBuffer(rawBody)]);
}

export interface VerifyTelnyxSignatureOptions {
  /** The account's public key (base64 raw 32 bytes, as Telnyx publishes it). */
  publicKeyBase64: string;
  /** `telnyx-signature-ed25519` header value. */
  signatureBase64: string | string[] | null | undefined;
  /** `telnyx-timestamp` header value (Unix seconds). */
  timestamp: string | number | string[] | null | undefined;
  /** The request body exactly as received. */
  rawBody: string | Buffer | Uint8Array;
  /** Current time, ms since epoch or a Date (tests). Default Date.now(). */
  now?: number | Date;
  /** Maximum |now - timestamp| in seconds. Default 300. */
  toleranceSeconds?: number;
}

const single = (v: string | number | string[] | null | undefined): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === null ? undefined : String(s).trim();
};

/**
 * Checks a Telnyx webhook signature. Returns true, or throws TelnyxWebhookError with
 * reason 'missing' (header absent/empty), 'malformed' (timestamp not an integer,
 * signature not 64 base64 bytes), 'stale' (timestamp outside the tolerance, either way)
 * or 'forged' (signature does not match key + timestamp + body).
 */
export function verifyTelnyxSignature(options: VerifyTelnyxSignatureOptions): true {
  const key = importTelnyxPublicKey(options.publicKeyBase64);
  const signature = single(options.signatureBase64);
  const timestamp = single(options.timestamp);
  if (!signature || !timestamp) {
    throw new TelnyxWebhookError('missing', `Missing ${!signature ? TELNYX_SIGNATURE_HEADER : TELNYX_TIMESTAMP_HEADER} header`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new TelnyxWebhookError('malformed', `${TELNYX_TIMESTAMP_HEADER} must be Unix seconds`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw new TelnyxWebhookError('malformed', `${TELNYX_SIGNATURE_HEADER} is not base64`);
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) throw new TelnyxWebhookError('malformed', `${TELNYX_SIGNATURE_HEADER} must decode to 64 bytes`);

  const nowMs = options.now === undefined ? Date.now() : typeof options.now === 'number' ? options.now : options.now.getTime();
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > tolerance) {
    throw new TelnyxWebhookError('stale', `${TELNYX_TIMESTAMP_HEADER} is more than ${tolerance}s away from now`);
  }
  if (!verify(null, signedBytes(timestamp, options.rawBody), key, sig)) {
    throw new TelnyxWebhookError('forged', 'Telnyx webhook signature does not match');
  }
  return true;
}

/** A webhook request as it arrived (raw body and headers), checked as verifyTelnyxSignature does with its signature headers. */
export function verifyTelnyxRequest(publicKeyBase64: string, raw: { body: Buffer; headers: Record<string, string | undefined> }, now: number): true {
  return verifyTelnyxSignature({
    publicKeyBase64,
    signatureBase64: raw.headers[TELNYX_SIGNATURE_HEADER] ?? '',
    timestamp: raw.headers[TELNYX_TIMESTAMP_HEADER] ?? '',
    rawBody: raw.body,
    now,
  });
}

/** verifyTelnyxSignature() as a boolean (a malformed public key still throws). */
export function isValidTelnyxSignature(options: VerifyTelnyxSignatureOptions): boolean {
  try {
    return verifyTelnyxSignature(options);
  } catch (err) {
    if (err instanceof TelnyxWebhookError) return false;
    throw err;
  }
}

function importPrivateKey(privateKey: KeyObject | string): KeyObject {
  if (typeof privateKey !== 'string') return privateKey;
  const trimmed = privateKey.trim();
  if (trimmed.startsWith('-----BEGIN')) return createPrivateKey(trimmed);
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length === 32) return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  return createPrivateKey({ key: raw, format: 'der', type: 'pkcs8' });
}

/**
 * Signs a webhook body as Telnyx does (sandbox and tests): base64 Ed25519 signature of
 * `${timestamp}|${rawBody}`. privateKey: a KeyObject, a PEM, or base64 of the 32-byte seed.
 */
export function signTelnyxWebhook(privateKey: KeyObject | string, timestamp: string | number, rawBody: string | Buffer | Uint8Array): string {
  return sign(null, signedBytes(String(timestamp), rawBody), importPrivateKey(privateKey)).toString('base64');
}

/** The two headers Telnyx sends with a signed webhook. */
export function telnyxSignatureHeaders(privateKey: KeyObject | string, rawBody: string | Buffer | Uint8Array, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TELNYX_TIMESTAMP_HEADER]: timestamp, [TELNYX_SIGNATURE_HEADER]: signTelnyxWebhook(privateKey, timestamp, rawBody) };
}

export interface TelnyxKeyPair {
  /** Raw 32-byte public key, base64: what Telnyx publishes and verifyTelnyxSignature takes. */
  publicKeyBase64: string;
  /** Raw 32-byte private seed, base64 (signTelnyxWebhook accepts it). */
  privateKeyBase64: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function keyPairFrom(privateKey: KeyObject): TelnyxKeyPair {
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    publicKeyBase64: spki.subarray(spki.length - 32).toString('base64'),
    privateKeyBase64: pkcs8.subarray(pkcs8.length - 32).toString('base64'),
    privateKey,
    publicKey,
  };
}

/** A fresh Ed25519 key pair, or the pair of a given private key (base64 seed / PEM / KeyObject). */
export function telnyxKeyPair(privateKey?: KeyObject | string): TelnyxKeyPair {
  return keyPairFrom(privateKey === undefined ? generateKeyPairSync('ed25519').privateKey : importPrivateKey(privateKey));
}

// ---------------------------------------------------------------------------------------------
// Events

interface EventBase {
  id: string;
  eventType: string;
  /** ISO 8601, as Telnyx sent it. */
  occurredAt: string;
  meta: { attempt?: number; deliveredTo?: string };
}

/** number_order.* (e.g. number_order.complete): the order, normalized. */
export interface TelnyxNumberOrderEvent extends EventBase {
  category: 'number_order';
  payload: TelnyxOrder;
}

export interface TelnyxOtherEvent extends EventBase {
  category: 'other';
  payload: unknown;
}

export type TelnyxEvent = TelnyxNumberOrderEvent | TelnyxOtherEvent;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses a webhook body (raw string/Buffer or already-parsed JSON). Throws
 * TelnyxWebhookError('invalid_payload') when it is not a Telnyx event, or a number_order.*
 * event whose payload has no order id.
 */
export function parseTelnyxEvent(body: unknown): TelnyxEvent {
  let parsed: unknown = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      throw new TelnyxWebhookError('invalid_payload', 'Webhook body is not JSON');
    }
  }
  if (!isObject(parsed) || !isObject(parsed.data)) throw new TelnyxWebhookError('invalid_payload', 'Webhook body has no data object');
  const data = parsed.data;
  const id = typeof data.id === 'string' && data.id ? data.id : undefined;
  const eventType = typeof data.event_type === 'string' && data.event_type ? data.event_type : undefined;
  const occurredAt = typeof data.occurred_at === 'string' && data.occurred_at ? data.occurred_at : undefined;
  if (!id || !eventType || !occurredAt) throw new TelnyxWebhookError('invalid_payload', 'Webhook event needs data.id, data.event_type and data.occurred_at');
  const rawMeta = isObject(parsed.meta) ? parsed.meta : {};
  const meta: EventBase['meta'] = {};
  if (typeof rawMeta.attempt === 'number') meta.attempt = rawMeta.attempt;
  if (typeof rawMeta.delivered_to === 'string') meta.deliveredTo = rawMeta.delivered_to;
  if (eventType.startsWith('number_order.')) {
    let payload: TelnyxOrder;
    try {
      payload = mapNumberOrder(data.payload);
    } catch {
      throw new TelnyxWebhookError('invalid_payload', `${eventType} payload has no order id`);
    }
    return { id, eventType, occurredAt, meta, category: 'number_order', payload };
  }
  return { id, eventType, occurredAt, meta, category: 'other', payload: data.payload };
}
