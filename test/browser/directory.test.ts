/** Locations and agents: CRUD with number assignment; an API field error in place; members cannot manage locations. */
import { describe, expect, it } from 'vitest';
import { api, expectAccessible, fieldError, newTenant, screenshot, seedNumbers, signIn } from './helpers.js';
import type { Agent, Location, Page, PhoneNumber } from '../helpers/api-types.js';

describe('console: Locations and agents', () => {
  it('creates, edits and deletes locations and agents, assigning numbers to agents', async () => {
    const tenant = newTenant('directory');
    const admin = await api(tenant);
    const [number] = await seedNumbers(admin, 1, () => ({ displayName: 'Reception' }));
    const page = await signIn(tenant, 'admin', '/directory');

    await page.getByLabel('Location name').fill('Eastside Clinic');
    await page.getByLabel('Time zone').fill('Not a zone!');
    await page.getByRole('button', { name: 'Create location' }).click();
    await expect.poll(() => fieldError(page, 'loc-timezone').textContent()).toBeTruthy();
    await page.getByLabel('Time zone').fill('America/New_York');
    await page.getByRole('button', { name: 'Create location' }).click();
    const locations = page.getByRole('table', { name: 'Locations' });
    await expect.poll(() => locations.textContent()).toContain('America/New_York');
    await page.getByRole('button', { name: 'Edit Eastside Clinic' }).click();
    await page.getByLabel('Address').fill('12 Main St');
    await page.getByRole('button', { name: 'Save location' }).click();
    await expect.poll(() => locations.textContent()).toContain('12 Main St');

    await page.getByLabel('Agent name').fill('Night receptionist');
    await page.getByLabel('Answers (inbound number)').selectOption(number!.phoneNumber);
    await page.getByRole('button', { name: 'Create agent' }).click();
    const agents = page.getByRole('table', { name: 'Agents' });
    await expect.poll(() => agents.textContent()).toContain(number!.phoneNumber);
    const [agent] = (await admin.get<Page<Agent>>('/v1/agents')).body.data;
    expect(agent).toMatchObject({ name: 'Night receptionist', inboundPhone: number!.phoneNumber });
    expect((await admin.get<PhoneNumber>(`/v1/numbers/${number!.id}`)).body.agentId).toBe(agent!.id);
    await expectAccessible(page, 'directory');
    await screenshot(page, 'directory');

    await page.getByRole('button', { name: 'Delete Night receptionist' }).click();
    await expect.poll(async () => (await admin.get<Page<Agent>>('/v1/agents')).body.data.length).toBe(0);
    await page.getByRole('button', { name: 'Delete Eastside Clinic' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete location' }).click();
    await expect.poll(async () => (await admin.get<Page<Location>>('/v1/locations')).body.data.length).toBe(0);
  });

  it('a member manages agents but not locations', async () => {
    const tenant = newTenant('directory-member');
    expect((await (await api(tenant)).post('/v1/locations', { name: 'Head office' })).status).toBe(201);
    const page = await signIn(tenant, 'member', '/directory');
    await expect.poll(() => page.getByRole('table', { name: 'Locations' }).textContent()).toContain('Head office');
    expect(await page.getByRole('button', { name: 'Create location' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete Head office' }).count()).toBe(0);
    await page.getByLabel('Agent name').fill('Helper');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Agents' }).textContent()).toContain('Helper');
  });
});
