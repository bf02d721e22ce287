/**
 * `npm run console:build`: the production console for Firebase Hosting (console/dist: no dev sign-in),
 * with the size of its initial JavaScript; fails over the 200 KB (gzipped) budget.
 */
import { fileURLToPath } from 'node:url';
import { buildConsole, INITIAL_JS_BUDGET_BYTES } from './local/console.js';

const outDir = fileURLToPath(new URL('../console/dist/', import.meta.url));
const built = await buildConsole({ mode: 'production', outDir });
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(`console built in ${built.outDir}: initial JavaScript ${kb(built.initialJsGzipBytes)} gzipped (budget ${kb(INITIAL_JS_BUDGET_BYTES)}) — ${built.initialJsFiles.join(', ')}`);
if (built.initialJsGzipBytes > INITIAL_JS_BUDGET_BYTES) {
  console.error('over budget');
  process.exit(1);
}
