import { describe, expect, it } from 'vitest';
import { plivoMessage, providerNumber, telnyxMessage, twilioMessage } from '../../modules/inbound/services/messages.js';

describe('inbound messages in one shape', () => {
  it('reads numbers with or without +, keeps short codes and sender ids as sent', () => {
    expect(providerNumber('12126459739')).toBe('+12126459739');
    expect(providerNumber('+447911100101')).toBe('+447911100101');
    expect(providerNumber(' 447911100101 ')).toBe('+447911100101');
    expect(providerNumber('12345')).toBe('12345');
    expect(providerNumber('ACME')).toBe('ACME');
    expect(providerNumber('+1 (212) 645-9739')).toBe('+12126459739');
    expect(providerNumber(undefined)).toBe('');
  });

  it('plivo: SMS Text, MMS Body and every Media<N> in order', () => {
    expect(plivoMessage({ From: '14155550888', To: '12126459739', Text: 'hi', Type: 'sms', MessageUUID: 'u' })).toEqual({
      providerMessageId: 'u',
      type: 'sms',
      from: '+14155550888',
      to: '+12126459739',
      text: 'hi',
      media: [],
    });
    const mms = plivoMessage({ To: '12126459739', Type: 'mms', Body: 'pic', MediaCount: '3', Media10: 'https://m/10', Media2: 'https://m/2', Media1: 'https://m/1' });
    expect(mms).toMatchObject({ type: 'mms', text: 'pic', media: [{ url: 'https://m/1' }, { url: 'https://m/2' }, { url: 'https://m/10' }] });
  });

  it('twilio: MediaUrl<N> with their content types; a repeated key reads its first value', () => {
    const m = twilioMessage({ MessageSid: 'MM1', From: '+14155550999', To: ['+14155550100', '+14155550101'], Body: 'b', NumMedia: '1', MediaUrl0: 'https://m/0', MediaContentType0: 'image/png' });
    expect(m).toEqual({ providerMessageId: 'MM1', type: 'mms', from: '+14155550999', to: '+14155550100', text: 'b', media: [{ url: 'https://m/0', contentType: 'image/png' }] });
  });

  it('telnyx: media[] and MMS type', () => {
    expect(telnyxMessage({ id: 'x', type: 'MMS', to: [{ phone_number: '+13125550100' }], media: [] }, 'evt')).toMatchObject({ type: 'mms', to: '+13125550100', media: [] });
    expect(telnyxMessage(undefined, 'evt')).toMatchObject({ providerMessageId: 'evt', type: 'sms', to: '' });
  });
});
