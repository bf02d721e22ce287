import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/http/errors.js';
import { twilioCapabilities } from '../../shared/providers/twilio/client.js';
import { plivoCapabilities } from '../../shared/providers/plivo/client.js';
import { vonageCapabilities } from '../../shared/providers/vonage/client.js';
import { telnyxCapabilities } from '../../shared/providers/telnyx/client.js';
import { mapPhoneNumberPrices } from '../../shared/providers/twilio/pricing.js';
import { mapIncomingType as pricingNumberType } from '../../shared/providers/twilio/mapper.js';
import {
  assertRoutingSupported,
  outOfServiceRouting,
  restoreRouting,
  routingSnapshot,
  routingTargets,
} from '../../modules/numbers/services/routing.js';
import type { ProviderNumber } from '../../shared/providers/types.js';

const config = { PUBLIC_BASE_URL: 'https://api.example.com/' };
const relay = 'https://api.example.com/webhooks/twilio/inbound';

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('not refused');
};

describe('per-number URLs', () => {
  const urls = { webhookUrl: 'https://t.example/relay', voiceUrl: 'https://t.example/voice', smsUrl: 'https://t.example/sms', statusCallbackUrl: 'https://t.example/status' };

  it('never sends calls to the messages webhook', () => {
    expect(routingTargets({ webhookUrl: urls.webhookUrl }, { sms: true, voice: true }, twilioCapabilities, relay)).toEqual({ smsUrl: relay });
    expect(routingTargets({ webhookUrl: urls.webhookUrl }, { sms: true, voice: true }, twilioCapabilities)).toEqual({ smsUrl: urls.webhookUrl });
  });

  it('sets each URL as asked; smsUrl wins over the relay; channels that are off get none', () => {
    expect(routingTargets(urls, { sms: true, voice: true }, twilioCapabilities, relay)).toEqual({ smsUrl: urls.smsUrl, voiceUrl: urls.voiceUrl, statusCallbackUrl: urls.statusCallbackUrl });
    expect(routingTargets(urls, { sms: false, voice: true }, twilioCapabilities, relay)).toEqual({ voiceUrl: urls.voiceUrl, statusCallbackUrl: urls.statusCallbackUrl });
    // Vonage: SMS and status per number, calls through its application.
    expect(routingTargets(urls, { sms: true, voice: true }, vonageCapabilities)).toEqual({ smsUrl: urls.smsUrl, statusCallbackUrl: urls.statusCallbackUrl });
  });

  it('refuses by name what the provider has no per-number place for', () => {
    expect(() => assertRoutingSupported('twilio', twilioCapabilities, urls)).not.toThrow();
    const vonage = refusal(() => assertRoutingSupported('vonage', vonageCapabilities, urls));
    expect(vonage.details?.issues).toEqual([{ path: 'body.voiceUrl', message: 'not supported by vonage' }]);
    expect(vonage.message).toMatch(/applicationId/);
    const plivo = refusal(() => assertRoutingSupported('plivo', plivoCapabilities, urls));
    expect((plivo.details?.issues as { path: string }[]).map((i) => i.path)).toEqual(['body.webhookUrl', 'body.voiceUrl', 'body.smsUrl', 'body.statusCallbackUrl']);
    const telnyx = refusal(() => assertRoutingSupported('telnyx', telnyxCapabilities, { voiceUrl: urls.voiceUrl }));
    expect(telnyx.message).toMatch(/connectionId.*messagingProfileId/);
    // null clears: nothing to refuse.
    expect(() => assertRoutingSupported('plivo', plivoCapabilities, { voiceUrl: null, smsUrl: null })).not.toThrow();
  });
});

describe('out of service and back', () => {
  it('what going inactive changes, per provider', () => {
    expect(outOfServiceRouting('twilio', config)).toEqual({
      fields: ['voiceUrl', 'smsUrl'],
      update: { voiceUrl: 'https://api.example.com/webhooks/not-in-service/twilio', smsUrl: relay },
    });
    expect(outOfServiceRouting('vonage', config)).toEqual({
      fields: ['smsUrl', 'applicationId'],
      update: { smsUrl: 'https://api.example.com/webhooks/not-in-service/vonage', applicationId: null },
    });
    expect(outOfServiceRouting('plivo', {})).toEqual({ fields: ['applicationId'], update: { applicationId: null } });
    expect(outOfServiceRouting('telnyx', {})).toEqual({ fields: ['connectionId', 'messagingProfileId'], update: { connectionId: null, messagingProfileId: null } });
    expect(refusal(() => outOfServiceRouting('twilio', {})).details).toMatchObject({ reason: 'no_public_url' });
    expect(refusal(() => outOfServiceRouting('vapi', config)).code).toBe('CONFLICT');
  });

  it('remembers what the provider had and puts exactly that back (null: it was unset)', () => {
    const owned: ProviderNumber = {
      providerNumberId: 'x',
      phoneNumber: '+14155550100',
      friendlyName: '',
      provider: 'telnyx',
      capabilities: { voice: true, sms: true, mms: false, fax: false },
      connectionId: 'conn-1',
    };
    const { fields, update } = outOfServiceRouting('telnyx', config);
    const snapshot = routingSnapshot(owned, fields, update, {});
    expect(snapshot).toEqual({ connectionId: 'conn-1', messagingProfileId: null });
    expect(restoreRouting(snapshot)).toEqual({ connectionId: 'conn-1', messagingProfileId: null });
  });

  it('a URL already out of service is taken from the record, not remembered as the active one', () => {
    const off = outOfServiceRouting('twilio', config);
    const owned = { providerNumberId: 'PN', phoneNumber: '+1', friendlyName: '', provider: 'twilio', capabilities: { voice: true, sms: true, mms: false, fax: false }, voiceUrl: off.update.voiceUrl!, smsUrl: 'https://t.example/sms' } as ProviderNumber;
    expect(routingSnapshot(owned, off.fields, off.update, { voiceUrl: 'https://t.example/voice' })).toEqual({ voiceUrl: 'https://t.example/voice', smsUrl: 'https://t.example/sms' });
  });
});

describe('Twilio Pricing API (phone numbers)', () => {
  it('maps the spec example: current price per number type, in price_unit', () => {
    const example = {
      country: 'United States',
      iso_country: 'US',
      phone_number_prices: [
        { number_type: 'local', base_price: '1.00', current_price: '1.00' },
        { number_type: 'toll free', base_price: '2.00', current_price: '2.00' },
      ],
      price_unit: 'USD',
      url: 'https://pricing.twilio.com/v1/PhoneNumbers/Countries/US',
    };
    expect(mapPhoneNumberPrices(example)).toEqual({ local: { amount: '1.00', currency: 'USD' }, toll_free: { amount: '2.00', currency: 'USD' } });
  });

  it('prefers current_price (the account’s), falls back to base_price, and never guesses a currency', () => {
    expect(mapPhoneNumberPrices({ price_unit: 'usd', phone_number_prices: [{ number_type: 'mobile', base_price: 1.5, current_price: 1.25 }] })).toEqual({ mobile: { amount: '1.25', currency: 'USD' } });
    expect(mapPhoneNumberPrices({ price_unit: 'EUR', phone_number_prices: [{ number_type: 'national', base_price: '3.00', current_price: null }] })).toEqual({ national: { amount: '3.00', currency: 'EUR' } });
    expect(mapPhoneNumberPrices({ phone_number_prices: [{ number_type: 'local', current_price: '1.00' }] })).toEqual({});
    expect(mapPhoneNumberPrices({ price_unit: 'USD', phone_number_prices: [{ number_type: 'shared cost', current_price: '1' }, { number_type: 'local', current_price: 'n/a' }] })).toEqual({});
    expect(mapPhoneNumberPrices(undefined)).toEqual({});
    expect(['local', 'toll free', 'Toll-Free', 'mobile', 'national', 'voip'].map(pricingNumberType)).toEqual(['local', 'toll_free', 'toll_free', 'mobile', 'national', undefined]);
  });
});
