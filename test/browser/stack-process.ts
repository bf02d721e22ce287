/**
 * The browser suite's stack, in a process of its own (the test runner's process keeps its environment):
 * the console built as the dev stack serves it, then the whole local stack on the run's emulators with
 * the console on its own origin. Prints `READY {json}` when it serves; SIGTERM stops it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildConsole } from '../../scripts/local/console.js';
import { startStack } from '../../scripts/local/stack.js';

const firestoreHost = process.env.FIRESTORE_EMULATOR_HOST;
const pubsubHost = process.env.PUBSUB_EMULATOR_HOST;
if (!firestoreHost || !pubsubHost) throw new Error('FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST must be set');
for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
Object.assign(process.env, {
  LOCAL_RECONCILE_INTERVAL_MINUTES: '0',
  LOCAL_SOMOS_REFRESH_INTERVAL_MINUTES: '0',
  LOCAL_JOB_SWEEP_INTERVAL_MINUTES: '0',
  LIMIT_REQUESTS_PER_MINUTE: '100000',
  JOB_FINALIZE_WINDOW_MS: '250',
});
const dataDir = await mkdtemp(path.join(tmpdir(), 'console-browser-'));
const started = Date.now();
const built = await buildConsole({ mode: 'devstack', outDir: path.join(dataDir, 'console') });
const buildMs = Date.now() - started;
const stack = await startStack({
  port: 0,
  dataDir,
  projectId: process.env.BROWSER_PROJECT_ID ?? 'demo-console-browser',
  firestoreHost,
  pubsubHost,
  console: { dir: built.outDir, port: 0 },
});
process.stdout.write(`READY ${JSON.stringify({ apiUrl: stack.url, consoleUrl: stack.consoleUrl, providerUrls: stack.providerUrls, buildMs, initialJsGzipBytes: built.initialJsGzipBytes })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The runner going away (crash, kill -9) takes this process with it.
process.stdin.on('end', () => void stop());
process.stdin.resume();
