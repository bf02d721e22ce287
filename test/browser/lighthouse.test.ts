/**
 * Lighthouse 12 (offline, the same Chromium) on the Numbers screen, signed in: performance ≥ 90 and
 * accessibility ≥ 95 with Lighthouse's default (mobile, simulated throttling) settings.
 */
import { describe, expect, it } from 'vitest';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';
import lighthouse from 'lighthouse';
import { chromiumArgs, chromiumPath } from './chromium.js';
import { api, consoleUrl, newTenant, seedNumbers } from './helpers.js';

/** Software-GL flags of the serverless build: their raster work lands on the measured main thread. */
const GPU_FLAGS = /^--(use-gl|use-angle|enable-unsafe-swiftshader|in-process-gpu|ignore-gpu-blocklist)/;

describe('console: Lighthouse', () => {
  it('scores the Numbers screen ≥ 90 for performance and ≥ 95 for accessibility', async () => {
    const tenant = newTenant('lighthouse');
    await seedNumbers(await api(tenant), 5, (i) => ({ displayName: `Line ${i + 1}`, tags: ['main'] }));
    const chrome = await chromeLauncher.launch({ chromePath: await chromiumPath(), chromeFlags: [...chromiumArgs().filter((a) => !GPU_FLAGS.test(a)), '--disable-gpu', '--headless=new'], logLevel: 'silent' });
    try {
      const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
      const page = await browser.newPage();
      // Sign in through the console (the token lives in this tab's sessionStorage, which Lighthouse keeps).
      await page.goto(`${consoleUrl()}/numbers`);
      await page.waitForSelector('input[name="dev-tenant"]');
      await page.$eval('input[name="dev-tenant"]', (el) => (el.value = ''));
      await page.type('input[name="dev-tenant"]', tenant);
      await page.click('button[type="submit"]');
      await page.waitForSelector('[data-testid="who"]');
      const result = await lighthouse(`${consoleUrl()}/numbers`, { disableStorageReset: true, onlyCategories: ['performance', 'accessibility'], logLevel: 'error', output: 'json' }, undefined, page);
      const lhr = result!.lhr;
      const score = (c: string) => Math.round((lhr.categories[c]?.score ?? 0) * 100);
      const metric = (id: string) => lhr.audits[id]?.displayValue ?? '?';
      console.log(
        `Lighthouse ${lhr.lighthouseVersion} on /numbers: performance ${score('performance')}, accessibility ${score('accessibility')} ` +
          `(FCP ${metric('first-contentful-paint')}, LCP ${metric('largest-contentful-paint')}, TBT ${metric('total-blocking-time')}, CLS ${metric('cumulative-layout-shift')})`,
      );
      const items = (id: string) => ((lhr.audits[id]?.details as { items?: Record<string, unknown>[] } | undefined)?.items ?? []).slice(0, 8);
      if (process.env.LIGHTHOUSE_DETAILS) console.log(JSON.stringify({ benchmarkIndex: lhr.environment.benchmarkIndex, longTasks: items('long-tasks'), bootup: items('bootup-time'), mainThread: items('mainthread-work-breakdown') }, null, 1));
      expect(lhr.runtimeError).toBeUndefined();
      expect(lhr.finalDisplayedUrl).toContain('/numbers');
      // It measured the signed-in screen, not the sign-in form.
      expect(JSON.stringify(lhr.audits['final-screenshot']?.details ?? {}).length).toBeGreaterThan(100);
      expect(score('performance')).toBeGreaterThanOrEqual(90);
      expect(score('accessibility')).toBeGreaterThanOrEqual(95);
      await browser.disconnect();
    } finally {
      chrome.kill();
    }
  });
});
