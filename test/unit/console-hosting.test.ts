/** The console's Firebase Hosting config and its production /config.json (no dev sign-in deployed). */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { productionConfig } from '../../scripts/console-build.js';
import { DOCS_CSP } from '../../scripts/docs.js';

describe('console hosting', () => {
  it('serves the production build with an SPA rewrite, immutable hashed assets and security headers', async () => {
    const firebase = JSON.parse(await readFile(new URL('../../firebase.json', import.meta.url), 'utf8'));
    const hosting = firebase.hosting;
    expect(hosting.public).toBe('console/dist');
    expect(hosting.predeploy).toEqual(['npm run console:build']);
    expect(hosting.rewrites).toEqual([{ source: '**', destination: '/index.html' }]);
    const headers = (source: string) => Object.fromEntries(hosting.headers.find((h: { source: string }) => h.source === source).headers.map((h: { key: string; value: string }) => [h.key, h.value]));
    expect(headers('/assets/**')['Cache-Control']).toContain('immutable');
    expect(headers('/@(index.html|config.json)')['Cache-Control']).toBe('no-cache');
    expect(headers('**')['Content-Security-Policy']).toContain("frame-ancestors 'none'");
    expect(JSON.stringify(hosting)).not.toContain('__dev');
    // The API reference (console:build writes it to console/dist/docs): the last matching rule sets the
    // CSP Redoc needs (its inlined script and styles), the same sources as the page's own meta policy.
    const last = hosting.headers.at(-1);
    expect(last.source).toBe('/docs{,/**}');
    const docsCsp = headers('/docs{,/**}')['Content-Security-Policy'];
    for (const directive of DOCS_CSP.split(';').map((d) => d.trim())) expect(docsCsp).toContain(directive);
  });

  it('writes the gateway and the Firebase web app into config.json, never a dev sign-in', () => {
    const config = productionConfig({ CONSOLE_API_BASE_URL: 'https://numbers-gw-abc.uc.gateway.dev/', FIREBASE_WEB_API_KEY: 'AIza-test', GOOGLE_CLOUD_PROJECT: 'numbers-prod' });
    expect(config).toEqual({ apiBaseUrl: 'https://numbers-gw-abc.uc.gateway.dev', firebase: { apiKey: 'AIza-test', authDomain: 'numbers-prod.firebaseapp.com', projectId: 'numbers-prod' } });
    expect(() => productionConfig({ CONSOLE_API_BASE_URL: 'http://127.0.0.1:8080', FIREBASE_WEB_API_KEY: 'k', GOOGLE_CLOUD_PROJECT: 'p' })).toThrow(/https/);
    expect(() => productionConfig({ CONSOLE_API_BASE_URL: 'https://gw.example.com' })).toThrow(/FIREBASE_WEB_API_KEY/);
  });
});
