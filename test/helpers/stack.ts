import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emulatorEnv } from './env.js';
import { startStack, type Stack } from '../../scripts/local/stack.js';

/**
 * The local stack for one test file: its own Firestore project on the run's emulators,
 * its own data folder, and the provider sandboxes (never a base URL left over from elsewhere).
 */
export async function startTestStack(projectId: string, env: Record<string, string> = {}): Promise<Stack & { dataDir: string }> {
  const emulators = emulatorEnv();
  for (const key of Object.keys(process.env)) if (key.endsWith('_API_BASE_URL')) delete process.env[key];
  // No timers of their own (reconciliation, Somos token refresh, job sweep): a test that wants one runs it.
  Object.assign(
    process.env,
    { LOCAL_RECONCILE_INTERVAL_MINUTES: '0', LOCAL_SOMOS_REFRESH_INTERVAL_MINUTES: '0', LOCAL_JOB_SWEEP_INTERVAL_MINUTES: '0', LIMIT_REQUESTS_PER_MINUTE: '100000', JOB_FINALIZE_WINDOW_MS: '250' },
    env,
  );
  const dataDir = await mkdtemp(path.join(tmpdir(), `${projectId}-`));
  const stack = await startStack({
    port: 0,
    dataDir,
    projectId,
    firestoreHost: emulators.firestoreHost,
    pubsubHost: emulators.pubsubHost,
  });
  return Object.assign(stack, { dataDir });
}
