import { toE164 } from '../../../shared/domain/phone.js';
import { first, type FormParams } from './signatures.js';

/**
 * Each provider's inbound message (SMS or MMS) in our one shape. Numbers are E.164 whatever the
 * provider sent (Plivo sends `To=12126459739`, no `+`); a sender that is not a phone number (a short
 * code, an alphanumeric sender id) is kept as sent.
 */
export interface ParsedMessage {
  providerMessageId: string;
  type: 'sms' | 'mms';
  from: string;
  to: string;
  text: string;
  media: { url: string; contentType?: string }[];
}

/**
 * E.164 of a number as a provider wrote it: with or without `+`, else the string as sent. Digits
 * need no parsing (E.164 is `+` and the digits): libphonenumber (≈25 ms to load) is only loaded for
 * anything else, which providers do not send for numbers.
 */
export function providerNumber(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  if (!value) return '';
  const digits = /^\+?([1-9]\d{6,14})$/.exec(value)?.[1];
  if (digits) return `+${digits}`;
  if (/^\d+$/.test(value)) return value; // a short code, or a number with a leading 0: kept as sent
  return toE164(value) ?? value;
}

const indexed = (params: FormParams, prefix: string): { index: number; key: string }[] =>
  Object.keys(params)
    .map((key) => ({ key, match: new RegExp(`^${prefix}(\\d+)$`).exec(key) }))
    .filter((k): k is { key: string; match: RegExpExecArray } => !!k.match)
    .map(({ key, match }) => ({ index: Number(match[1]), key }))
    .sort((a, b) => a.index - b.index);

/**
 * Twilio Messaging webhook: Body, NumMedia, MediaUrl{N} with MediaContentType{N}, N from 0
 * (twilio.com/docs/messaging/guides/webhook-request): every MediaUrl{N} is taken, in order.
 */
export function twilioMessage(params: FormParams): ParsedMessage {
  const media = indexed(params, 'MediaUrl')
    .map(({ index, key }) => {
      const contentType = first(params, `MediaContentType${index}`);
      return { url: first(params, key) ?? '', ...(contentType ? { contentType } : {}) };
    })
    .filter((m) => m.url);
  return {
    providerMessageId: first(params, 'MessageSid') ?? first(params, 'SmsSid') ?? '',
    type: media.length ? 'mms' : 'sms',
    from: providerNumber(first(params, 'From')),
    to: providerNumber(first(params, 'To')),
    text: first(params, 'Body') ?? '',
    media,
  };
}

/**
 * Plivo's message_url request (plivo.com/docs/messaging/api/message/handling-incoming): From/To
 * without `+`; SMS text in `Text`, MMS text in `Body`; `Type` sms|mms; MMS media as `Media<N>` URLs
 * (`MediaCount` of them — numbered from 1 in the API reference, from 0 in Plivo's support article:
 * every `Media<N>` is taken, in order).
 */
export function plivoMessage(params: FormParams): ParsedMessage {
  const media = indexed(params, 'Media')
    .map(({ key }) => ({ url: first(params, key) ?? '' }))
    .filter((m) => m.url);
  const type = first(params, 'Type') === 'mms' || media.length ? 'mms' : 'sms';
  return {
    providerMessageId: first(params, 'MessageUUID') ?? '',
    type,
    from: providerNumber(first(params, 'From')),
    to: providerNumber(first(params, 'To')),
    text: first(params, 'Text') ?? first(params, 'Body') ?? '',
    media,
  };
}

type TelnyxMessagePayload = {
  id?: string;
  type?: string;
  from?: { phone_number?: string };
  to?: { phone_number?: string }[];
  text?: string;
  media?: { url?: string; content_type?: string }[];
};

/** Telnyx message.received (payload: from, to[], text, media[{url, content_type}], type SMS|MMS). */
export function telnyxMessage(payload: TelnyxMessagePayload | undefined, eventId: string): ParsedMessage {
  const p = payload ?? {};
  const media = (Array.isArray(p.media) ? p.media : []).filter((m) => typeof m?.url === 'string' && m.url).map((m) => ({ url: m.url!, ...(m.content_type ? { contentType: m.content_type } : {}) }));
  return {
    providerMessageId: p.id ?? eventId,
    type: media.length || p.type?.toUpperCase() === 'MMS' ? 'mms' : 'sms',
    from: providerNumber(p.from?.phone_number),
    to: providerNumber(p.to?.[0]?.phone_number),
    text: p.text ?? '',
    media,
  };
}
