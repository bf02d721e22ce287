/**
 * `npm run console:build`: the production console for Firebase Hosting (console/dist: no dev sign-in),
 * with the size of its initial JavaScript; fails over the 200 KB (gzipped) budget. With
 * CONSOLE_API_BASE_URL set (the API gateway's https URL) it writes console/dist/config.json too, with the
 * Firebase web app's settings from FIREBASE_WEB_API_KEY, FIREBASE_AUTH_DOMAIN (default
 * <project>.firebaseapp.com) and GOOGLE_CLOUD_PROJECT.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole, INITIAL_JS_BUDGET_BYTES } from './local/console.js';

/** The deployed console's /config.json: the gateway and the Firebase web app, never a dev sign-in. */
export function productionConfig(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const apiBaseUrl = env.CONSOLE_API_BASE_URL ?? '';
  if (!/^https:\/\/[^/]+/.test(apiBaseUrl)) throw new Error('CONSOLE_API_BASE_URL must be the API gateway’s https URL');
  const projectId = env.GOOGLE_CLOUD_PROJECT;
  if (!env.FIREBASE_WEB_API_KEY || !projectId) throw new Error('FIREBASE_WEB_API_KEY and GOOGLE_CLOUD_PROJECT are required');
  return {
    apiBaseUrl: apiBaseUrl.replace(/\/$/, ''),
    firebase: { apiKey: env.FIREBASE_WEB_API_KEY, authDomain: env.FIREBASE_AUTH_DOMAIN ?? `${projectId}.firebaseapp.com`, projectId, ...(env.FIREBASE_APP_ID ? { appId: env.FIREBASE_APP_ID } : {}) },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = fileURLToPath(new URL('../console/dist/', import.meta.url));
  const built = await buildConsole({ mode: 'production', outDir });
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`console built in ${built.outDir}: initial JavaScript ${kb(built.initialJsGzipBytes)} gzipped (budget ${kb(INITIAL_JS_BUDGET_BYTES)}) — ${built.initialJsFiles.join(', ')}`);
  if (built.initialJsGzipBytes > INITIAL_JS_BUDGET_BYTES) {
    console.error('over budget');
    process.exit(1);
  }
  // The API reference beside the console (/docs on Hosting: firebase.json gives it the CSP Redoc needs).
  const { buildDocs } = await import('./docs.js');
  await buildDocs(path.join(outDir, 'docs'));
  console.log(`API reference in ${path.join(outDir, 'docs', 'index.html')}`);
  if (process.env.CONSOLE_API_BASE_URL) {
    await writeFile(path.join(outDir, 'config.json'), JSON.stringify(productionConfig(process.env), null, 2) + '\n');
    console.log(`wrote ${path.join(outDir, 'config.json')} (API ${process.env.CONSOLE_API_BASE_URL})`);
  } else {
    console.warn('CONSOLE_API_BASE_URL is not set: console/dist/config.json not written (the console will not start without it)');
  }
}
