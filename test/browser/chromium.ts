/**
 * Headless Chromium for the browser tests: the build inside @sparticuz/chromium (unpacked to /tmp on
 * first use), driven by playwright-core. Its default flags minus two that would hide what we test:
 * --disable-web-security (CORS must be real) and --single-process (one browser serves many contexts).
 */
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type BrowserServer } from 'playwright-core';

const DROPPED = new Set(['--disable-web-security', '--single-process']);

export async function chromiumPath(): Promise<string> {
  return chromium.executablePath();
}

export function chromiumArgs(): string[] {
  return chromium.args.filter((a) => !DROPPED.has(a) && !a.startsWith('--headless'));
}

export async function launchServer(): Promise<BrowserServer> {
  return playwright.launchServer({ executablePath: await chromiumPath(), args: chromiumArgs(), headless: true });
}
