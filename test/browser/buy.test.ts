/** Buy screen: search across providers, price and capabilities, purchase with location/purpose/tags; a double click buys once; 409 when taken. */
import { describe, expect, it } from 'vitest';
import { api, expectAccessible, newTenant, screenshot, signIn } from './helpers.js';
import type { Page, PhoneNumber } from '../helpers/api-types.js';

describe('console: Buy', () => {
  it('searches, shows price and capabilities, buys once on a double click with location, purpose and tags, and handles a number taken meanwhile (409)', async () => {
    const tenant = newTenant('buy');
    const admin = await api(tenant);
    expect((await admin.post('/v1/locations', { name: 'Uptown Clinic' })).status).toBe(201);
    const page = await signIn(tenant, 'admin', '/buy');
    await page.getByLabel('Area code').fill('415');
    await page.getByLabel('SMS').check();
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByRole('table', { name: 'Available numbers' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(2);
    expect(await rows.first().textContent()).toMatch(/\d+\.\d+ USD/);
    expect(await rows.first().textContent()).toContain('sms');
    const [first, second] = (await rows.locator('td:first-child').allTextContents()) as [string, string];

    await page.getByRole('button', { name: `Choose ${first}` }).click();
    const form = page.getByRole('form', { name: `Buy ${first}` });
    await form.getByLabel('Display name').fill('Uptown - Main Line');
    await form.getByLabel('Location').selectOption({ label: 'Uptown Clinic' });
    await form.getByLabel('Purpose').selectOption('both');
    await form.getByLabel('Tags (comma-separated)').fill('main, customer_support');
    await expectAccessible(page, 'buy');
    await form.getByRole('button', { name: `Buy ${first}` }).dblclick();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Bought' }).textContent()).toContain(first);
    await screenshot(page, 'buy');
    const held = await admin.get<Page<PhoneNumber>>(`/v1/numbers?q=${encodeURIComponent(first.slice(-7))}`);
    expect(held.body.data).toHaveLength(1);
    expect(held.body.data[0]).toMatchObject({ phoneNumber: first, displayName: 'Uptown - Main Line', purpose: 'both', locationName: 'Uptown Clinic', tags: ['main', 'customer_support'] });

    // Someone else buys the second number first: the console says it is gone and marks it taken.
    const rival = await api(newTenant('rival'));
    expect((await rival.post('/v1/numbers', { provider: 'twilio', phoneNumber: second })).status).toBe(201);
    await page.getByRole('button', { name: `Choose ${second}` }).click();
    await page.getByRole('form', { name: `Buy ${second}` }).getByRole('button', { name: `Buy ${second}` }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('no longer available');
    expect(await rows.filter({ hasText: second }).textContent()).toContain('taken');
    expect((await admin.get<Page<PhoneNumber>>('/v1/numbers')).body.data).toHaveLength(1);
    await expectAccessible(page, 'buy (409)');
  });

  it('shows the API’s validation error on the search field it names', async () => {
    const page = await signIn(newTenant('buy-bad'), 'member', '/buy');
    await page.getByLabel('Area code').fill('123');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('[data-field-error="areaCode"]').textContent()).toContain('not a valid NANP area code');
    expect(await page.getByLabel('Area code').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('table', { name: 'Available numbers' }).count()).toBe(0);
  });
});
