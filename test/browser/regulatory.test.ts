/** Regulatory wizard (gig spec): FR local → requirements → value, address, document with progress → submit → declined with reasons → resubmit → approved → buy. */
import { describe, expect, it } from 'vitest';
import { api, expectAccessible, newTenant, providerUrl, screenshot, signIn } from './helpers.js';
import type { RequirementGroup } from '../helpers/api-types.js';

const pdf = (text: string) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(`% ${text}\n`), Buffer.alloc(200_000, 0x20), Buffer.from('\n%%EOF\n')]);

async function decide(providerGroupId: string, action: 'approve' | 'reject', body: Record<string, unknown> = {}) {
  const res = await fetch(`${providerUrl('telnyx')}/__sandbox/requirement_groups/${providerGroupId}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
}

describe('console: Regulatory wizard', () => {
  it('walks a French local group from requirements to approval, resumes after a reload, shows the reasons of a decline, then leads to buying', async () => {
    const tenant = newTenant('gig');
    const admin = await api(tenant);
    const page = await signIn(tenant, 'admin', '/regulatory');
    await page.getByLabel('Country (ISO code)').fill('FR');
    await page.getByLabel('Number type', { exact: true }).selectOption('local');
    await page.getByRole('button', { name: 'See requirements' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'FR local numbers' }).count()).toBe(1);
    expect(await page.locator('main').textContent()).toContain('Proof of Address');
    await page.getByRole('button', { name: 'Start (or resume) this group' }).click();
    await expect.poll(() => page.url()).toContain('group=rqg_');
    const groupId = new URL(page.url()).searchParams.get('group')!;

    await page.getByLabel('Company Name', { exact: true }).fill('Acme SAS');
    await page.getByRole('button', { name: 'Save Company Name' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /Company Name/ }).textContent()).toContain('saved');

    await page.getByLabel('Business name').fill('Acme SAS');
    await page.getByLabel('First name').fill('Camille');
    await page.getByLabel('Last name').fill('Martin');
    await page.getByLabel('Street address').fill('8 Rue de Rivoli');
    await page.getByLabel('City').fill('Paris');
    await page.getByLabel('Postal code').fill('75004');
    await page.getByRole('button', { name: 'Save address' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /^Address/ }).textContent()).toContain('saved');

    await page.getByLabel(/Proof of Address \(PDF/).setInputFiles({ name: 'bill.pdf', mimeType: 'application/pdf', buffer: pdf('first') });
    await page.getByRole('button', { name: 'Upload Proof of Address' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Upload' }).textContent()).toContain('Upload 100%');
    await expect.poll(() => page.locator('label[for="group-progress"]').textContent()).toBe('100% complete');
    await expectAccessible(page, 'regulatory');
    await screenshot(page, 'regulatory');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /FR local/ }).textContent()).toContain('pending');

    // Resumable: a reload (or another day) opens the same group where it was.
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { name: /FR local/ }).textContent()).toContain('pending');

    const group = (await admin.get<RequirementGroup>(`/v1/requirement-groups/${groupId}`)).body;
    const proof = group.requirements.find((r: { kind: string }) => r.kind === 'document');
    await decide(group.providerGroupId!, 'reject', { reason: 'Proof of address is older than 3 months', requirements: { [proof!.id]: 'Bill older than 3 months' } });
    await page.getByRole('button', { name: 'Refresh status' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Declined values' }).textContent()).toContain('Bill older than 3 months');
    await expectAccessible(page, 'regulatory (declined)');

    await page.getByLabel(/Proof of Address \(PDF/).setInputFiles({ name: 'bill-new.pdf', mimeType: 'application/pdf', buffer: pdf('second') });
    await page.getByRole('button', { name: 'Upload Proof of Address' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /Proof of Address/ }).textContent()).toContain('saved');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /FR local/ }).textContent()).toContain('pending');
    await decide(group.providerGroupId!, 'approve');
    await page.getByRole('button', { name: 'Refresh status' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /FR local/ }).textContent()).toContain('approved');

    await page.getByRole('link', { name: 'Buy a FR number' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Buy numbers');
    expect(await page.getByLabel('Provider', { exact: true }).inputValue()).toBe('telnyx');
    expect(await page.getByLabel('Country').inputValue()).toBe('FR');
  });
});
