/** The production console: initial JavaScript within budget, and no dev sign-in anywhere in it. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConsole, buildFiles, INITIAL_JS_BUDGET_BYTES } from '../../scripts/local/console.js';

describe('console: production build', () => {
  it('loads at most 200 KB of JavaScript (gzipped) up front and carries no dev sign-in', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'console-prod-'));
    try {
      const built = await buildConsole({ mode: 'production', outDir: dir });
      console.log(`console initial JavaScript: ${(built.initialJsGzipBytes / 1024).toFixed(1)} KB gzipped (${built.initialJsFiles.join(', ')})`);
      expect(built.initialJsFiles.length).toBeGreaterThan(0);
      expect(built.initialJsGzipBytes).toBeGreaterThan(5_000); // the app itself is in it
      expect(built.initialJsGzipBytes).toBeLessThanOrEqual(INITIAL_JS_BUDGET_BYTES);
      const files = await buildFiles(dir);
      expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
      for (const file of files.filter((f) => /\.(js|html)$/.test(f))) {
        const text = await readFile(file, 'utf8');
        expect(text, file).not.toContain('__dev/token');
        expect(text, file).not.toContain('Dev sign-in');
      }
      // The devstack build does carry it (so the check above can fail).
      const dev = await buildConsole({ mode: 'devstack', outDir: path.join(dir, 'dev') });
      const devText = (await Promise.all((await buildFiles(dev.outDir)).filter((f) => f.endsWith('.js')).map((f) => readFile(f, 'utf8')))).join('\n');
      expect(devText).toContain('Dev sign-in');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
