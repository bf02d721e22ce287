import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDocs, currentDocs, DOCS_CSP } from '../../scripts/docs.js';

// The rendered reference (/docs locally, Firebase Hosting deployed) must work offline: no script, style
// or font from a CDN, and a policy that would stop any request to another origin the bundle might make.
describe('API reference page', () => {
  it('is one self-contained HTML page rendering the current document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'api-docs-'));
    try {
      const html = await buildDocs(dir);
      expect(await readFile(join(dir, 'index.html'), 'utf8')).toBe(html);
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${DOCS_CSP}" />`);
      expect(html).toContain('<title>Phone-number platform API</title>');
      // No external resource: every <script> is inline, no stylesheet/preload/font link points anywhere.
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).not.toMatch(/\bsrc=/);
      for (const tag of html.match(/<link\b[^>]*>/g) ?? []) expect(tag).not.toMatch(/href="(https?:)?\/\//);
      expect(html).not.toMatch(/@import\s+url\(["']?https?:/);
      // The document itself is in the page (operations and webhooks), not fetched.
      for (const id of ['numbersCreate', 'jobsCreate', 'messageReceived', 'jobFinished']) expect(html).toContain(id);
      // Built once per document: an unchanged document reuses the page.
      expect(await currentDocs(dir)).toBe(html);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
