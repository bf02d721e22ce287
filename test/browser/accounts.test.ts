/** Provider accounts (admin): add (verified), wrong credentials, masked display, set default, rotate, remove. */
import { describe, expect, it } from 'vitest';
import { CUSTOMER_SANDBOX_ACCOUNTS as CUSTOMER } from '../../scripts/local/stack.js';
import { api, expectAccessible, newTenant, screenshot, signIn } from './helpers.js';
import type { Page, ProviderAccount } from '../helpers/api-types.js';

describe('console: Provider accounts', () => {
  it('adds verified accounts with masked secrets, refuses wrong credentials, sets the default, rotates and removes', async () => {
    const tenant = newTenant('accounts');
    const admin = await api(tenant);
    const page = await signIn(tenant, 'admin', '/accounts');
    const add = page.getByRole('form', { name: 'Add an account' });
    await add.getByLabel('Label').fill('Our Twilio');
    await add.getByLabel('Account SID').fill(CUSTOMER.twilio.accountSid);
    await add.getByLabel('Auth token').fill('0123456789abcdef0123456789abcdef');
    await add.getByRole('button', { name: 'Add and verify' }).click();
    await expect.poll(() => add.getByRole('alert').textContent()).toContain('Not added');
    await add.getByLabel('Auth token').fill(CUSTOMER.twilio.authToken);
    await add.getByRole('button', { name: 'Add and verify' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Our Twilio added and verified with twilio');

    await add.getByLabel('Provider', { exact: true }).selectOption('telnyx');
    await add.getByLabel('Label').fill('Our Telnyx');
    await add.getByLabel('API key').fill(CUSTOMER.telnyx.apiKey);
    await add.getByRole('button', { name: 'Add and verify' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Our Telnyx added');
    const table = page.getByRole('table', { name: 'Provider accounts' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    const text = (await table.textContent()) ?? '';
    expect(text).not.toContain(CUSTOMER.twilio.authToken);
    expect(text).not.toContain(CUSTOMER.telnyx.apiKey);

    // Default: take it away through the API, give it back from the console.
    const [twilio] = (await admin.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data.filter((a: { provider: string }) => a.provider === 'twilio');
    expect((await admin.patch(`/v1/provider-accounts/${twilio!.id}`, { isDefault: false })).status).toBe(200);
    await page.reload();
    await page.getByRole('button', { name: 'Make Our Twilio the default' }).click();
    await expect.poll(async () => (await admin.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data.find((a: { id: string }) => a.id === twilio!.id)!.isDefault).toBe(true);

    // Rotate: a wrong secret is refused in the dialog, the right one is verified and stored.
    await page.getByRole('button', { name: 'Rotate credentials of Our Twilio' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Auth token').fill('fedcba98fedcba98fedcba98fedcba98');
    await dialog.getByRole('button', { name: 'Verify and rotate' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('Not rotated');
    await expectAccessible(page, 'accounts (rotate dialog)');
    await dialog.getByLabel('Auth token').fill(CUSTOMER.twilio.authToken);
    await dialog.getByRole('button', { name: 'Verify and rotate' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Credentials rotated');
    expect((await admin.get<Page<ProviderAccount>>('/v1/provider-accounts')).body.data.find((a: { id: string }) => a.id === twilio!.id)!.credentialsRotatedAt).toBeTruthy();

    await page.getByRole('button', { name: 'Remove Our Telnyx' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove account' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await expectAccessible(page, 'accounts');
    await screenshot(page, 'accounts');
  });
});
