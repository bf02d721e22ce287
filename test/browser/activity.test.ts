/** Activity: the audit trail filtered by resource (a bad filter named on its field), deliveries and findings lists. */
import { describe, expect, it } from 'vitest';
import { api, expectAccessible, fieldError, newTenant, screenshot, seedNumbers, signIn } from './helpers.js';

describe('console: Activity', () => {
  it('filters the audit trail, and lists deliveries and reconciliation findings', async () => {
    const tenant = newTenant('activity');
    const admin = await api(tenant);
    await seedNumbers(admin, 1);
    expect((await admin.post('/v1/locations', { name: 'Audit clinic' })).status).toBe(201);
    const page = await signIn(tenant, 'admin', '/activity');
    const audit = page.getByRole('table', { name: 'Audit trail' });
    await expect.poll(() => audit.textContent()).toContain('locations.create');
    expect(await audit.textContent()).toContain('numbers.');

    await page.getByLabel('Resource').fill('locations');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(async () => (await audit.locator('tbody tr td:nth-child(2)').allTextContents()).every((a) => a.startsWith('locations.'))).toBe(true);
    await page.getByLabel('Resource').fill('no such thing');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => fieldError(page, 'audit-resource').textContent()).toBeTruthy();
    await expectAccessible(page, 'activity (audit)');
    await page.getByLabel('Resource').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await screenshot(page, 'activity');

    await page.getByLabel('Show').selectOption('deliveries');
    await expect.poll(() => page.getByRole('table', { name: 'Deliveries' }).textContent()).toContain('No deliveries');
    await page.getByLabel('Show').selectOption('findings');
    await expect.poll(() => page.getByRole('table', { name: 'Reconciliation findings' }).textContent()).toContain('No findings');
    await expectAccessible(page, 'activity (findings)');
  });
});
