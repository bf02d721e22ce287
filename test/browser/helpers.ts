/** What every browser test uses: a signed-in page of the console, the API for set-up, axe, screenshots. */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { expect, inject, onTestFinished } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { apiClient, type ApiClient } from '../helpers/api.js';
import type { AvailableNumbers, PhoneNumber } from '../helpers/api-types.js';

export const consoleUrl = () => inject('consoleUrl');
export const apiUrl = () => inject('apiUrl');
export const providerUrl = (provider: string) => inject('providerUrls')[provider]!;

let browser: Promise<Browser> | undefined;
/** One browser for the run (global setup), one connection per test file. */
export const getBrowser = () => (browser ??= chromium.connect(inject('browserWsEndpoint')));

/** A tenant of this test's own: tests never see each other's data. */
export const newTenant = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;

/** A token from the dev stack's sign-in endpoint (what the console's dev sign-in calls). */
export async function devToken(tenantId: string, role: 'admin' | 'member'): Promise<string> {
  const res = await fetch(`${consoleUrl()}/__dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId, role }) });
  const body = (await res.json()) as { token: string };
  return body.token;
}

export async function api(tenantId: string, role: 'admin' | 'member' = 'admin'): Promise<ApiClient> {
  return apiClient(apiUrl(), await devToken(tenantId, role));
}

/** A fresh browser context signed in through the console's own dev sign-in form; closed when the test ends. */
export async function signIn(tenantId: string, role: 'admin' | 'member', start = '/numbers'): Promise<Page> {
  const context = await (await getBrowser()).newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // A failure shows what the page showed, and what the browser said.
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  onTestFinished(async ({ task }) => {
    if (task.result?.state === 'fail') {
      const text = await page.locator('main').innerText({ timeout: 2000 }).catch((err: unknown) => `(no main: ${String(err)})`);
      console.error(`--- page ${page.url()} ---\n${text}\n--- browser console ---\n${consoleLines.slice(-20).join('\n')}`);
    }
    await context.close();
  });
  await page.goto(consoleUrl() + start);
  await page.getByLabel('Tenant').fill(tenantId);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('who').textContent()).toContain(tenantId);
  return page;
}

/** axe-core on the page as it is: no serious or critical violation (WCAG 2.1 A/AA rules and best practices). */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}

const SHOTS = fileURLToPath(new URL('../../console/screenshots/', import.meta.url));
/** A full-page PNG: into console/screenshots/ with UPDATE_SCREENSHOTS=1 (committed), else a temp folder. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = process.env.UPDATE_SCREENSHOTS ? SHOTS : path.join(tmpdir(), 'console-screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The message shown under a form field (its data-field-error). */
export const fieldError = (page: Page, field: string) => page.locator(`[data-field-error="${field}"]`);

/** Buys `count` numbers for a tenant through the API (area code 415, Twilio sandbox). */
export async function seedNumbers(client: ApiClient, count: number, extra: (i: number) => Record<string, unknown> = () => ({})): Promise<{ id: string; phoneNumber: string }[]> {
  const search = await client.get<AvailableNumbers>(`/v1/numbers/available?provider=twilio&country=US&type=local&areaCode=415&limit=${Math.min(count + 5, 30)}`);
  if (search.status !== 200) throw new Error(`search failed: ${search.status} ${JSON.stringify(search.body)}`);
  const candidates = search.body.data.map((c) => c.phoneNumber);
  const bought: { id: string; phoneNumber: string }[] = [];
  for (const phoneNumber of candidates) {
    if (bought.length === count) break;
    const res = await client.post<PhoneNumber>('/v1/numbers', { provider: 'twilio', phoneNumber, ...extra(bought.length) });
    if (res.status === 201) bought.push({ id: res.body.id, phoneNumber });
  }
  if (bought.length < count) throw new Error(`could only buy ${bought.length} of ${count} numbers`);
  return bought;
}
