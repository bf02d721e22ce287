/** Numbers screen: the shell and dev sign-in, inventory filters and pages, the detail panel, edit, deactivate, release; roles. */
import { describe, expect, it } from 'vitest';
import { api, expectAccessible, fieldError, newTenant, screenshot, seedNumbers, signIn } from './helpers.js';
import type { Location, PhoneNumber } from '../helpers/api-types.js';

describe('console: Numbers', () => {
  it('lists, filters and pages the inventory; the detail panel edits, shows API field errors in place, deactivates and releases', async () => {
    const tenant = newTenant('numbers');
    const admin = await api(tenant);
    const location = await admin.post<Location>('/v1/locations', { name: 'Downtown Clinic' });
    expect(location.status).toBe(201);
    const numbers = await seedNumbers(admin, 11, (i) => (i === 0 ? { displayName: 'Front desk', tags: ['main'], locationId: location.body.id } : { tags: ['spare'] }));

    const page = await signIn(tenant, 'admin');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'numbers match' }).textContent()).toBe('11 numbers match');
    await page.getByLabel('Per page').selectOption('10');
    const rows = page.getByRole('table', { name: 'Numbers' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(10);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(10);

    // Filters: tag, then location, then text search by digits.
    await page.getByLabel('Tag').fill('main');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel('Tag').fill('');
    await page.getByLabel('Location', { exact: true }).first().selectOption({ label: 'Downtown Clinic' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'numbers match' }).textContent()).toBe('1 numbers match');
    await page.getByLabel('Location', { exact: true }).first().selectOption({ label: 'Any' });
    await page.getByLabel('Search').fill(numbers[0]!.phoneNumber.slice(-6));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count()).toBe(1);

    // Detail panel: location, channels, audit of this number.
    await page.getByRole('button', { name: numbers[0]!.phoneNumber }).click();
    const panel = page.getByRole('complementary');
    await expect.poll(() => panel.getByText('Downtown Clinic').count()).toBeGreaterThan(0);
    await expect.poll(() => panel.getByRole('list', { name: 'Audit entries' }).textContent()).toContain('numbers.activate');
    await expectAccessible(page, 'numbers');
    await screenshot(page, 'numbers');

    // A bad webhook URL: the API's VALIDATION_ERROR lands on that field.
    await panel.getByLabel('Message webhook URL').fill('not a url');
    await panel.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => fieldError(page, 'webhookUrl').textContent()).toMatch(/url|URL/);
    expect(await panel.getByLabel('Message webhook URL').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'numbers (field error)');

    await panel.getByLabel('Message webhook URL').fill('https://clinic.example.com/sms');
    await panel.getByLabel('Display name').fill('Downtown - Main Line');
    await panel.getByLabel('Staff id').fill('staff-001');
    await panel.getByLabel('Staff name').fill('Alice Johnson');
    await panel.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toContain('Changes saved');
    const saved = await admin.get(`/v1/numbers/${numbers[0]!.id}`);
    expect(saved.body).toMatchObject({ displayName: 'Downtown - Main Line', webhookUrl: 'https://clinic.example.com/sms', assignedTo: { id: 'staff-001', name: 'Alice Johnson' } });

    await panel.getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(async () => (await admin.get<PhoneNumber>(`/v1/numbers/${numbers[0]!.id}`)).body.status).toBe('inactive');
    await expect.poll(() => panel.getByRole('button', { name: 'Reactivate' }).count()).toBe(1);

    // Release with confirmation, by keyboard: the dialog takes focus, Escape cancels, Enter confirms.
    await panel.getByRole('button', { name: 'Release…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await admin.get<PhoneNumber>(`/v1/numbers/${numbers[0]!.id}`)).body.status).toBe('inactive');
    await panel.getByRole('button', { name: 'Release…' }).click();
    await dialog.getByLabel('Reason (optional)').fill('Location closed');
    await expectAccessible(page, 'numbers (release dialog)');
    await dialog.getByLabel('Reason (optional)').press('Enter');
    await expect.poll(async () => (await admin.get(`/v1/numbers/${numbers[0]!.id}`)).body).toMatchObject({ status: 'released', releaseReason: 'Location closed' });
    await expect.poll(() => panel.getByRole('status').textContent()).toContain('Number released');
  });

  it('a member sees no admin actions, and is told so when an admin action is refused; sign-out ends the session', async () => {
    const tenant = newTenant('member');
    const [number] = await seedNumbers(await api(tenant), 1);
    const page = await signIn(tenant, 'member');
    expect(await page.getByRole('navigation').getByRole('link').allTextContents()).not.toContain('Provider accounts');
    await page.getByRole('button', { name: number!.phoneNumber }).click();
    const panel = page.getByRole('complementary');
    await expect.poll(() => panel.getByRole('button', { name: 'Deactivate' }).count()).toBe(1);
    expect(await panel.getByRole('button', { name: 'Release…' }).count()).toBe(0);
    expect(await panel.getByText('Audit of this number').count()).toBe(0);

    // Keyboard only: from the screen's heading, Shift+Tab reaches the navigation and the skip link,
    // Enter opens a screen and puts focus on its heading, Tab reaches its fields, Enter submits.
    const focused = () => page.evaluate(() => `${document.activeElement?.tagName}:${document.activeElement?.textContent?.trim()}`);
    await page.getByRole('heading', { level: 1 }).focus();
    for (let i = 0; i < 20 && (await focused()) !== 'A:Buy'; i++) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('H1:Buy numbers');
    for (let i = 0; i < 20 && (await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)) !== 'areaCode'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type('415');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('table', { name: 'Available numbers' }).locator('tbody tr').count()).toBeGreaterThan(0);
    for (let i = 0; i < 40 && (await focused()) !== 'A:Skip to content'; i++) await page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('A:Skip to content');

    // The admin screen by its address: the API refuses (403) and the console says why.
    await page.goto(new URL('/accounts', page.url()).toString());
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/admin role/);
    await expectAccessible(page, 'member denied');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Dev sign-in (local stack)' }).count()).toBe(1);
    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
    expect(await page.getByTestId('who').count()).toBe(0);
    await expectAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');
  });
});
