/**
 * Contract test: the Twilio provider's Pricing API call (monthly number prices, attached to search
 * results) against a Prism mock of Twilio's official spec (../shared/contracts/twilio/twilio_pricing_v1.json).
 * Conforming as in twilio.contract.test.ts: no request violation from Prism, nothing the operation
 * does not declare, Basic auth with the account's SID and token.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { createTwilioProvider } from '../../shared/providers/twilio/client.js';
import { ProviderError, type NumberProvider } from '../../shared/providers/types.js';
import { contractPath, startPrism, undeclaredParameters, type PrismHandle } from '../helpers/prism.js';

const SPEC = contractPath('twilio', 'twilio_pricing_v1.json');
const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'contract-test-token-0123456789abcdef';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

let prism: PrismHandle;
let twilio: NumberProvider;

beforeAll(async () => {
  prism = await startPrism(SPEC);
  twilio = createTwilioProvider({
    credentials: { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN },
    // The 2010 API is not called here: pointing it nowhere proves prices use their own base URL.
    baseUrl: 'http://127.0.0.1:9',
    pricingBaseUrl: prism.url,
    logger: silent,
    http: { maxRetries: 0 },
  });
});
afterAll(async () => {
  await prism?.stop();
});
beforeEach(() => {
  prism.take();
});

describe('Twilio Pricing API: GET /v1/PhoneNumbers/Countries/{IsoCountry}', () => {
  it('asks for a country’s phone number prices as the spec declares, and reads them', async () => {
    const prices = await twilio.monthlyPrices!('us');
    const [exchange, ...more] = prism.take();
    expect(more).toEqual([]);
    expect(exchange).toMatchObject({ method: 'GET', path: '/v1/PhoneNumbers/Countries/US', status: 200, prismError: false });
    expect(exchange!.requestViolations).toEqual([]);
    expect(undeclaredParameters(SPEC, exchange!)).toEqual([]);
    expect(exchange!.requestHeaders.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    // The spec's example: local 1.00, toll free 2.00, in USD.
    expect(prices).toEqual({ local: { amount: '1.00', currency: 'USD' }, toll_free: { amount: '2.00', currency: 'USD' } });
  });

  it('refuses a country that is not an ISO code before calling', async () => {
    await expect(twilio.monthlyPrices!('USA')).rejects.toBeInstanceOf(ProviderError);
    expect(prism.take()).toEqual([]);
  });
});
