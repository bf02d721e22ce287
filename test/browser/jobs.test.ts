/** Bulk jobs: a CSV upload (an invalid row left out, a taken number failing with its reason), live progress, and cancel. */
import { describe, expect, it } from 'vitest';
import { api, expectAccessible, newTenant, screenshot, signIn } from './helpers.js';
import type { AvailableNumbers, Page, PhoneNumber } from '../helpers/api-types.js';

describe('console: Bulk jobs', () => {
  it('starts a purchase job from a CSV, shows progress, counts and failed items with reasons, and cancels a search-spec job', async () => {
    const tenant = newTenant('jobs');
    const admin = await api(tenant);
    const search = await admin.get<AvailableNumbers>('/v1/numbers/available?provider=twilio&areaCode=415&limit=6');
    const [a, b, taken] = search.body.data.map((n) => n.phoneNumber) as [string, string, string];
    expect((await (await api(newTenant('jobs-rival'))).post('/v1/numbers', { provider: 'twilio', phoneNumber: taken })).status).toBe(201);
    const csv = ['phoneNumber,displayName,tags', `${a},Line A,bulk;east`, `${b},"Line B, annex",bulk`, `${taken},Line C,bulk`, '12345,Broken,bulk'].join('\n');

    const page = await signIn(tenant, 'admin', '/jobs');
    await page.getByLabel('CSV file').setInputFiles({ name: 'numbers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect.poll(() => page.locator('#job-csv-hint').textContent()).toContain('numbers.csv: 4 items read');
    await page.getByRole('button', { name: 'Start job' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('1 items were left out');
    expect(await page.getByRole('alert').textContent()).toContain('Row 4');
    const job = page.getByRole('region', { name: /^Job job_/ });
    await expect.poll(() => job.getByRole('heading').textContent(), { timeout: 60_000 }).toContain('completed_with_errors');
    expect(await job.locator('[data-count="succeeded"]').textContent()).toBe('2');
    expect(await job.locator('[data-count="failed"]').textContent()).toBe('1');
    expect(await job.getByRole('progressbar').getAttribute('value')).toBe('100');
    await expect.poll(() => job.getByRole('table', { name: 'Failed items' }).textContent()).toContain(taken);
    const held = (await admin.get<Page<PhoneNumber>>('/v1/numbers?tag=bulk')).body.data;
    expect(held.map((n) => n.phoneNumber).sort()).toEqual([a, b].sort());
    expect(held.find((n) => n.phoneNumber === b)).toMatchObject({ displayName: 'Line B, annex', tags: ['bulk'] });
    await expectAccessible(page, 'jobs');
    await screenshot(page, 'jobs');

    // A search-spec job, cancelled while it runs: items not started are cancelled.
    await page.getByLabel('Items from').selectOption('search');
    await page.getByLabel('Area code').fill('415');
    await page.getByLabel('Quantity').fill('150');
    await page.getByRole('button', { name: 'Start job' }).click();
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Cancel requested');
    await expect.poll(() => job.getByRole('heading').textContent(), { timeout: 60_000 }).toMatch(/cancelled/);
    expect(Number(await job.locator('[data-count="cancelled"]').textContent())).toBeGreaterThan(0);
  });
});
