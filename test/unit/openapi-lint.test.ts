import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endpoints } from '../../functions/endpoints.js';
import { buildOpenApi } from '../../shared/api/openapi.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = (path: string) => join(root, 'node_modules', path);
/** Offline: no telemetry, no update check (the linters' rules are all local). */
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true', NO_COLOR: '1' };

async function lint(args: string[]): Promise<string> {
  // Both print their findings and exit non-zero on errors: the findings are what the assertions read.
  const result = await run(process.execPath, args, { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string }) => err);
  return `${result.stdout ?? ''}`;
}

// The document clients generate from: both linters, on the document exactly as GET /v1/openapi.json serves it.
describe('OpenAPI document lint', () => {
  let dir = '';
  const documentFile = () => join(dir, 'openapi.json');

  it('passes Redocly’s recommended rules with no warning, and Spectral’s spectral:oas with no error or warning', async () => {
    dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    try {
      await writeFile(documentFile(), JSON.stringify(buildOpenApi(endpoints)));
      const [redocly, spectral] = await Promise.all([
        lint([cli('@redocly/cli/bin/cli.js'), 'lint', documentFile(), '--config', join(root, 'redocly.yaml'), '--format', 'json']),
        lint([cli('@stoplight/spectral-cli/dist/index.js'), 'lint', documentFile(), '--ruleset', join(root, '.spectral.yaml'), '--format', 'json', '--quiet']),
      ]);
      const redoclyReport = JSON.parse(redocly.slice(redocly.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
      expect(redoclyReport.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(redoclyReport.totals).toMatchObject({ errors: 0, warnings: 0 });
      const spectralReport = JSON.parse(spectral.slice(spectral.indexOf('['))) as { code: string; message: string; path: string[]; severity: number }[];
      expect(spectralReport.map((p) => `${p.code} at ${p.path.join('.')}: ${p.message}`)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
