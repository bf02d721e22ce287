/**
 * `npm run docs`: the API reference as one static HTML page, dist/docs/index.html (with the document it
 * renders beside it, dist/docs/openapi.json). Redoc rendered by `redocly build-docs` with its scripts
 * inlined (--inlineBundle: nothing loaded from a CDN) and a Content-Security-Policy that lets the page
 * load nothing from any other origin, so it works offline. The local gateway serves it at /docs
 * (scripts/local/gateway.ts), building it first when it is missing or older than the document.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { endpoints } from '../functions/endpoints.js';
import { buildOpenApi } from '../shared/api/openapi.js';

const root = fileURLToPath(new URL('../', import.meta.url));
export const DOCS_DIR = join(root, 'dist', 'docs');

/** Only this page's own inline code and data: no request leaves for another origin. */
export const DOCS_CSP = "default-src 'self' 'unsafe-inline' data: blob:; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; img-src 'self' data: blob:; connect-src 'self'";

/** Writes `dir`/openapi.json and `dir`/index.html; returns the HTML. */
export async function buildDocs(dir = DOCS_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const documentFile = join(dir, 'openapi.json');
  const htmlFile = join(dir, 'index.html');
  const document = JSON.stringify(buildOpenApi(endpoints), null, 2) + '\n';
  await writeFile(documentFile, document);
  const cli = join(root, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  await promisify(execFile)(
    process.execPath,
    [cli, 'build-docs', documentFile, '--config', join(root, 'redocly.yaml'), '--inlineBundle', '--title', 'Phone-number platform API', '-o', htmlFile],
    { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' }, maxBuffer: 16 * 1024 * 1024 },
  );
  const rendered = await readFile(htmlFile, 'utf8');
  const head = rendered.indexOf('<head>');
  if (head < 0) throw new Error('redocly build-docs wrote no <head>');
  const at = head + '<head>'.length;
  const html = `${rendered.slice(0, at)}\n  <meta http-equiv="Content-Security-Policy" content="${DOCS_CSP}" />${rendered.slice(at)}`;
  await writeFile(htmlFile, html);
  return html;
}

/** The built page when it renders the current document, else a fresh build. */
export async function currentDocs(dir = DOCS_DIR): Promise<string> {
  const document = JSON.stringify(buildOpenApi(endpoints), null, 2) + '\n';
  const [built, html] = await Promise.all([readFile(join(dir, 'openapi.json'), 'utf8').catch(() => ''), readFile(join(dir, 'index.html'), 'utf8').catch(() => '')]);
  return built === document && html ? html : buildDocs(dir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildDocs();
  console.log(`wrote ${join(DOCS_DIR, 'index.html')}`);
}
