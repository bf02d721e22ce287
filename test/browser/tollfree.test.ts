/** Toll-free desk: search, reserve, activate with a routing the API checks (split must total 100, shown in place), scheduled change listed and cancelled, text on and off, RespOrg transfers (timeline, cancel). */
import { describe, expect, it } from 'vitest';
import { api, apiUrl, devToken, expectAccessible, fieldError, newTenant, providerUrl, screenshot, signIn } from './helpers.js';
import type { TextEnablement, TollFreeDetail, TollFreeSearchResult } from '../helpers/api-types.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n% LOA\n'), Buffer.alloc(2_000, 0x20), Buffer.from('\n%%EOF\n')]);

describe('console: Toll-free desk', () => {
  it('reserves, activates with routing (API field errors in place), schedules and cancels a change, turns text on and off, requests and cancels a RespOrg transfer, disconnects and releases', async () => {
    const tenant = newTenant('tfdesk');
    const page = await signIn(tenant, 'admin', '/tollfree');
    await page.getByLabel('How many').fill('3');
    await page.getByRole('button', { name: 'Search' }).click();
    const reserveForm = page.getByRole('form', { name: 'Reserve numbers' });
    await expect.poll(() => reserveForm.getByRole('checkbox').count()).toBeGreaterThan(1);
    await reserveForm.getByRole('checkbox').nth(0).check();
    await reserveForm.getByRole('checkbox').nth(1).check();
    const spare = (await reserveForm.locator('.check label').nth(1).textContent())!;
    await reserveForm.getByLabel('Contact name').fill('Desk Operator');
    await reserveForm.getByLabel('Contact phone').fill('+13125550111');
    await reserveForm.getByRole('button', { name: /Reserve 2 selected/ }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Reserved' }).count()).toBe(1);
    await expect.poll(() => page.locator('#tf-title').textContent()).toContain('reserved');

    const form = page.getByRole('form', { name: 'Activate' });
    await form.getByLabel('Primary destination').fill('sip:desk@pbx.example.com');
    await form.getByLabel('Disaster destination').fill('+13125550100');
    await form.getByRole('button', { name: 'Add a share' }).click();
    await form.getByRole('button', { name: 'Add a share' }).click();
    await form.getByLabel('Share 1 percent').fill('60');
    await form.getByLabel('Share 1 destination').fill('sip:east@pbx.example.com');
    await form.getByLabel('Share 2 percent').fill('30');
    await form.getByLabel('Share 2 destination').fill('+13125550101');
    expect(await form.getByText('Total 90% (must be 100%)').count()).toBe(1);
    await form.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => fieldError(page, 'rt-split').textContent()).toContain('sum to 100');
    await expectAccessible(page, 'toll-free (routing error)');
    await form.getByLabel('Share 2 percent').fill('40');
    await form.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.locator('#tf-title').textContent()).toContain('active');

    // A change for later: the registry keeps it as a future version.
    const change = page.getByRole('form', { name: 'Change routing' });
    await change.getByLabel('Primary destination').fill('sip:new@pbx.example.com');
    const later = new Date(Date.now() + 2 * 86_400_000);
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await change.getByLabel('Takes effect (empty: now)').fill(local);
    await change.getByRole('button', { name: 'Schedule routing change' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'scheduled' }).count()).toBe(1);

    // Routing versions: the current one and the change just scheduled (pending), which an admin cancels after confirming.
    const versions = page.getByRole('table', { name: 'Routing versions' });
    const pending = versions.locator('tbody tr').filter({ hasText: 'pending' });
    await expect.poll(() => pending.textContent()).toContain('sip:new@pbx.example.com');
    expect(await versions.locator('tbody tr').filter({ hasText: 'current' }).textContent()).toContain('sip:desk@pbx.example.com');
    await expectAccessible(page, 'toll-free (routing versions)');
    await pending.getByRole('button', { name: /^Cancel the routing change/ }).focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await pending.count()).toBe(1);
    await pending.getByRole('button', { name: /^Cancel the routing change/ }).click();
    await confirm.getByRole('button', { name: 'Cancel the change' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'cancelled' }).count()).toBe(1);
    await expect.poll(() => pending.count()).toBe(0);
    expect(await versions.locator('tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: 'Enable text messages' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Text enablement' }).textContent()).toMatch(/pending|enabled/);
    await expectAccessible(page, 'toll-free');

    // Text off, then a new request that TSS rejects: the reason shows on the number (opened again).
    await page.getByRole('button', { name: 'Turn text off' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Text turned off' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Enable text messages' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Turn text off' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Enable text messages' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Turn text off' }).count()).toBe(1);
    const phone = (await page.locator('#tf-title').textContent())!.match(/\+1\d{10}/)![0];
    const admin = await api(tenant);
    const sms = await admin.get<TextEnablement>(`/v1/tollfree/${phone.slice(2)}/sms`);
    const rejected = await fetch(`${providerUrl('somos')}/__sandbox/tss/${sms.body.tssRequestId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'rejected', reason: { code: 'BRAND_MISMATCH', message: 'The business name does not match.' } }) });
    expect(rejected.ok).toBe(true);
    await expect.poll(async () => (await admin.get<TextEnablement>(`/v1/tollfree/${phone.slice(2)}/sms`)).body.status).toBe('rejected');
    const open = page.getByRole('form', { name: 'Open a toll-free number' });
    await open.getByRole('textbox', { name: 'Toll-free number' }).fill(phone);
    await open.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByTestId('sms-reason').textContent()).toBe('The business name does not match.');
    expect(await page.getByRole('button', { name: 'Enable text messages' }).count()).toBe(1);
    await expectAccessible(page, 'toll-free (text rejected)');

    // RespOrg transfer: a number another RespOrg controls, with an LOA.
    const number = `833555${String(Math.floor(1000 + Math.random() * 8999))}`;
    const seeded = await fetch(`${providerUrl('somos')}/__sandbox/numbers/${number}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'WORKING', respOrgId: 'OTH01' }) });
    expect(seeded.status).toBe(201);
    const transfer = page.getByRole('form', { name: 'New RespOrg transfer' });
    await transfer.getByLabel('Numbers to move in').fill(number);
    await transfer.getByLabel('Signed LOA (PDF)').setInputFiles({ name: 'loa.pdf', mimeType: 'application/pdf', buffer: pdf });
    await transfer.getByRole('button', { name: 'Request transfer' }).click();
    // The list, newest first: status, the numbers, expected completion (earliest – latest), the timeline; cancel after confirming.
    const row = page.getByRole('table', { name: 'Transfers' }).locator('tbody tr').filter({ hasText: `+1${number}` });
    await expect.poll(() => row.getByRole('list', { name: /^Timeline of the transfer/ }).textContent(), { timeout: 20_000 }).toMatch(/submitted|pending/);
    expect(await row.locator('td').nth(3).textContent()).toMatch(/^\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}$/);
    const cancelTransfer = row.getByRole('button', { name: `Cancel the transfer of +1${number}` });
    await expect.poll(() => cancelTransfer.count(), { timeout: 20_000 }).toBe(1);
    await expectAccessible(page, 'toll-free (transfer)');
    await screenshot(page, 'tollfree');
    await cancelTransfer.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel the transfer' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Transfer of' }).textContent()).toContain('cancelled');
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('cancelled');
    expect(await row.getByRole('list').textContent()).toContain('cancelled');
    expect(await cancelTransfer.count()).toBe(0);

    // Disconnect the active number: the confirmation names the referral period.
    await page.getByRole('button', { name: 'Disconnect…' }).click();
    const disconnect = page.getByRole('dialog');
    await expect.poll(() => disconnect.getByTestId('referral-period').textContent()).toContain('For 45 days (the referral period)');
    await disconnect.getByLabel('Referral period (days, 1–120)').fill('30');
    expect(await disconnect.getByTestId('referral-period').textContent()).toContain('For 30 days (the referral period)');
    await expectAccessible(page, 'toll-free (disconnect dialog)');
    await disconnect.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Disconnected' }).textContent()).toContain('30 days');
    await expect.poll(() => page.locator('#tf-title').textContent()).toContain('disconnected');
    expect(await page.getByTestId('tf-disconnect').textContent()).toMatch(/referral until/);
    expect(await page.getByRole('button', { name: 'Disconnect…' }).count()).toBe(0);

    // Release the other reservation.
    await open.getByRole('textbox', { name: 'Toll-free number' }).fill(spare);
    await open.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.locator('#tf-title').textContent()).toContain('reserved');
    await page.getByRole('button', { name: 'Release reservation…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Release', exact: true }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Reservation released' }).count()).toBe(1);
    await expect.poll(() => page.locator('#tf-title').textContent()).not.toContain('reserved');
    expect(await page.getByRole('button', { name: 'Release reservation…' }).count()).toBe(0);
  });

  it('a member sees the routing versions, text status and transfers but none of the admin actions', async () => {
    const tenant = newTenant('tfmember');
    const admin = await api(tenant);
    const found = await admin.get<TollFreeSearchResult>('/v1/tollfree/available?npa=844&quantity=1');
    expect(found.status).toBe(200);
    const number = found.body.data[0]!.number.replace(/^\+1/, '');
    expect((await admin.post('/v1/tollfree/reservations', { numbers: [number], contactName: 'NOC desk', contactPhone: '+13125550111' })).status).toBe(201);
    expect([200, 202]).toContain((await admin.post(`/v1/tollfree/${number}/activate`, { routing: { primary: { type: 'pstn', destination: '+14155550123' } } })).status);
    await expect.poll(async () => (await admin.get<TollFreeDetail>(`/v1/tollfree/${number}`)).body.status, { timeout: 15_000 }).toBe('active');
    const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const put = await fetch(`${apiUrl()}/v1/tollfree/${number}/routing`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await devToken(tenant, 'admin')}` },
      body: JSON.stringify({ routing: { primary: { type: 'pstn', destination: '+14155550199' } }, effectiveAt: later }),
    });
    expect([200, 202]).toContain(put.status);
    expect((await admin.post(`/v1/tollfree/${number}/sms`, { sms: true, mms: false })).status).toBeLessThan(300);

    const page = await signIn(tenant, 'member', '/tollfree');
    const open = page.getByRole('form', { name: 'Open a toll-free number' });
    await open.getByRole('textbox', { name: 'Toll-free number' }).fill(number);
    await open.getByRole('button', { name: 'Open' }).click();
    const versions = page.getByRole('table', { name: 'Routing versions' });
    await expect.poll(() => versions.locator('tbody tr').filter({ hasText: 'pending' }).textContent(), { timeout: 15_000 }).toContain('+14155550199');
    expect(await page.locator('#tf-title').textContent()).toContain('active');
    for (const name of [/^Cancel/, 'Turn text off', 'Enable text messages', 'Disconnect…', 'Release reservation…', 'Change routing now', 'Schedule routing change']) {
      expect(await page.getByRole('button', { name }).count(), String(name)).toBe(0);
    }
    expect(await page.getByRole('form', { name: 'New RespOrg transfer' }).count()).toBe(0);
    await expectAccessible(page, 'toll-free (member)');
  });
});
