import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two strings (false on any length difference). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed with the account's auth token, over the
 * full public URL followed by every POST parameter as key+value, keys sorted
 * (twilio-node src/webhooks/webhooks.ts).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => {
      const value = params[key]!;
      return acc + (Array.isArray(value) ? value.map((v) => key + v).join('') : key + value);
    }, url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string | string[]>, header: string | undefined): boolean {
  return !!header && safeEqual(twilioSignature(authToken, url, params), header);
}

/**
 * Plivo's X-Plivo-Signature-V3 for a POST (plivo-node lib/utils/v3Security.js): the URL with its
 * query sorted (and a "?" — plus "." when it had a query — before the body), the body's sorted
 * key+value pairs, "." and the nonce; base64 HMAC-SHA256 keyed with the auth token. The header may
 * carry several comma-separated signatures (token rotation).
 */
export function plivoV3Signature(authToken: string, url: string, params: Record<string, string | string[]>, nonce: string): string {
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

export function verifyPlivoV3(authToken: string, url: string, params: Record<string, string | string[]>, nonce: string | undefined, header: string | undefined): boolean {
  if (!nonce || !header) return false;
  const expected = plivoV3Signature(authToken, url, params, nonce);
  return header.split(',').some((candidate) => safeEqual(candidate.trim(), expected));
}
