/** Add phone number (VoxReach): provider, credentials with field checks, a wrong secret shown on its field, saved credentials, agent. */
import { describe, expect, it } from 'vitest';
import { CUSTOMER_SANDBOX_ACCOUNTS as CUSTOMER } from '../../scripts/local/stack.js';
import { api, expectAccessible, fieldError, newTenant, providerUrl, screenshot, signIn } from './helpers.js';
import type { Agent, Page, PhoneNumber, VapiCredential } from '../helpers/api-types.js';

const seedOwned = async (provider: 'twilio' | 'telnyx', body: Record<string, string>) => {
  const res = await fetch(`${providerUrl(provider)}/__sandbox/owned`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
};
const randomLine = () => String(1000 + Math.floor(Math.random() * 8999));

describe('console: Add phone number', () => {
  it('imports a Twilio number: field checks, wrong credentials on their field, then an agent assigned', async () => {
    const tenant = newTenant('voxreach');
    const admin = await api(tenant);
    const number = `+1415555${randomLine()}`;
    await seedOwned('twilio', { accountSid: CUSTOMER.twilio.accountSid, phoneNumber: number });
    const agent = await admin.post<Agent>('/v1/agents', { name: 'Receptionist' });
    expect(agent.status).toBe(201);

    const page = await signIn(tenant, 'admin', '/add-number');
    await page.getByRole('radio', { name: /Twilio/ }).check();
    await page.getByLabel('Account SID').fill('ACnot-a-sid');
    await page.getByLabel('Phone number', { exact: true }).fill('4155550100');
    await page.getByRole('button', { name: 'Add phone number' }).click();
    expect(await fieldError(page, 'accountSid').textContent()).toContain('Starts with AC');
    expect(await fieldError(page, 'number').textContent()).toContain('E.164');
    await expectAccessible(page, 'add number (field checks)');

    await page.getByLabel('Account SID').fill(CUSTOMER.twilio.accountSid);
    await page.getByLabel('Auth token').fill('0123456789abcdef0123456789abcdef');
    await page.getByLabel('Phone number', { exact: true }).fill(number);
    await page.getByLabel('Agent').selectOption({ label: 'Receptionist' });
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await expect.poll(() => fieldError(page, 'authToken').textContent()).toMatch(/credential|rejected|valid/i);
    expect((await admin.get<Page<PhoneNumber>>('/v1/numbers')).body.data).toHaveLength(0);

    await page.getByLabel('Auth token').fill(CUSTOMER.twilio.authToken);
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'added' }).textContent()).toContain(`${number} added and assigned to Receptionist`);
    const held = (await admin.get<Page<PhoneNumber>>('/v1/numbers')).body.data;
    expect(held).toMatchObject([{ phoneNumber: number, provider: 'vapi', vapi: { source: 'twilio' } }]);
    expect((await admin.get<Agent>(`/v1/agents/${agent.body.id}`)).body.inboundPhone).toBe(number);
  });

  it('imports a Telnyx number with a saved credential', async () => {
    const tenant = newTenant('voxreach-telnyx');
    const admin = await api(tenant);
    const number = `+1312555${randomLine()}`;
    await seedOwned('telnyx', { apiKey: CUSTOMER.telnyx.apiKey, phoneNumber: number });
    const credential = await admin.post<VapiCredential>('/v1/vapi/credentials', { provider: 'telnyx', label: 'Our Telnyx', apiKey: CUSTOMER.telnyx.apiKey });
    expect(credential.status).toBe(201);

    const page = await signIn(tenant, 'member', '/add-number');
    await page.getByRole('radio', { name: /Telnyx/ }).check();
    await page.getByLabel('Saved credentials').selectOption({ label: `Our Telnyx (${credential.body.id})` });
    expect(await page.getByLabel('API key').count()).toBe(0);
    await page.getByLabel('Phone number', { exact: true }).fill(number);
    await page.getByLabel('Display name (optional)').fill('Support line');
    await expectAccessible(page, 'add number');
    await screenshot(page, 'add-number');
    await page.getByRole('button', { name: 'Add phone number' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'added' }).textContent()).toContain(`${number} added`);
    expect((await admin.get<Page<PhoneNumber>>('/v1/numbers')).body.data).toMatchObject([{ phoneNumber: number, displayName: 'Support line', vapi: { source: 'telnyx', credentialId: credential.body.id } }]);
  });
});
