import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as TwilioWebhooks from 'twilio/lib/webhooks/webhooks.js';

/** Constant-time comparison of two strings (false on any length difference). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A form body's parameters, a key sent more than once keeping all its values (in order). */
export type FormParams = Record<string, string | string[]>;

/** Parses an application/x-www-form-urlencoded body; repeated keys become arrays (as body parsers give the SDKs). */
export function parseForm(body: Buffer | string): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/** One value of a form parameter (the first, when it was sent more than once). */
export const first = (params: FormParams, key: string): string | undefined => {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
};

let twilioWebhooks: typeof TwilioWebhooks | undefined;
/**
 * Twilio's own webhook module (twilio-node src/webhooks/webhooks.ts), loaded alone on first use: it
 * needs only node:crypto, node:url and node:querystring (≈5 ms, 2 modules), where the whole SDK
 * (`import 'twilio'`) loads ≈240 modules in ≈150 ms.
 */
function twilioLib(): typeof TwilioWebhooks {
  return (twilioWebhooks ??= createRequire(import.meta.url)('twilio/lib/webhooks/webhooks.js') as typeof TwilioWebhooks);
}

/** Twilio's X-Twilio-Signature of a request (the SDK's getExpectedTwilioSignature; HMAC_SHA1 unless told). */
export function twilioSignature(secret: string, url: string, params: FormParams, algorithm?: string): string {
  return twilioLib().getExpectedTwilioSignature(secret, url, params, algorithm);
}

/** The header Twilio adds when a Webhooks Rule signs with a SharedKey: `key=<id>,algorithm=HMAC_SHA256`. */
export const TWILIO_SIGNATURE_SETTINGS_HEADER = 'x-twilio-webhooks-signature-settings';

export interface TwilioSignatureInput {
  /** The account's auth token: the key of the default (HMAC_SHA1) signature. */
  authToken: string;
  /** The SharedKey secret of the account's Webhooks Rule, when it has one (HMAC_SHA256 signatures). */
  sharedKeySecret?: string | undefined;
  url: string;
  params: FormParams;
  signature: string | undefined;
  /** X-Twilio-Webhooks-Signature-Settings, when sent. */
  settings: string | undefined;
}

/**
 * Verifies X-Twilio-Signature with the SDK's validateRequest: the URL as called, with and without
 * its port (Twilio may sign either), repeated keys' values deduplicated and sorted. Without a
 * settings header the key is the auth token and the algorithm HMAC_SHA1; with one, the key is the
 * SharedKey secret and the algorithm the header names (an algorithm the SDK does not know fails).
 */
export function verifyTwilioSignature(input: TwilioSignatureInput): boolean {
  if (!input.signature) return false;
  const lib = twilioLib();
  if (input.settings?.trim()) {
    if (!input.sharedKeySecret) return false;
    const algorithm = lib.getSignatureAlgorithm(input.settings);
    if (algorithm.toUpperCase() !== lib.HMAC_SHA256 && algorithm.toUpperCase() !== lib.HMAC_SHA1) return false;
    return lib.validateRequest(input.sharedKeySecret, input.signature, input.url, input.params, algorithm);
  }
  return lib.validateRequest(input.authToken, input.signature, input.url, input.params);
}

/**
 * Plivo's X-Plivo-Signature-V3 for a POST (plivo-node dist/utils/v3Security.js): the URL with its
 * query sorted (and a "?" — plus "." when it had a query — before the body), the body's sorted
 * key+value pairs (a repeated key's values sorted), "." and the nonce; base64 HMAC-SHA256 keyed with
 * the auth token. The header may carry several comma-separated signatures (token rotation).
 *
 * Hand-written, not plivo-node's helper: that module needs lodash, uri-parser, build-url, utf8 and
 * base-64 (≈23 ms, 10 modules to load), and the `plivo` package brings 103 packages (22 MB,
 * `request` among them) into the deployment. test/unit/inbound-signatures.test.ts holds this to
 * vectors computed with plivo-node 4.79.0's validateV3Signature.
 */
export function plivoV3Signature(authToken: string, url: string, params: FormParams, nonce: string): string {
  const parsed = new URL(url);
  const query = new Map<string, string[]>();
  for (const [key, value] of parsed.searchParams) query.set(key, [...(query.get(key) ?? []), value]);
  const queryString = [...query.keys()]
    .sort()
    .flatMap((key) => query.get(key)!.sort().map((value) => `${key}=${value}`))
    .join('&');
  const hasBody = Object.keys(params).length > 0;
  let base = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (queryString.length > 0 || hasBody) base += `?${queryString}`;
  if (queryString.length > 0 && hasBody) base += '.';
  const body = Object.keys(params)
    .sort()
    .map((key) => {
      const value = params[key]!;
      return Array.isArray(value) ? [...value].sort().map((v) => key + v).join('') : key + value;
    })
    .join('');
  return createHmac('sha256', authToken).update(`${base}${body}.${nonce}`).digest('base64');
}

export function verifyPlivoV3(authToken: string, url: string, params: FormParams, nonce: string | undefined, header: string | undefined): boolean {
  if (!nonce || !header) return false;
  const expected = plivoV3Signature(authToken, url, params, nonce);
  return header.split(',').some((candidate) => safeEqual(candidate.trim(), expected));
}
