/**
 * Global setup of the `integration` and `browser` projects: one Firestore and one Pub/Sub
 * emulator on free ports for the whole run (~1-2 s), stopped in teardown. The
 * Firestore emulator enforces firestore.rules, like the dev stack's.
 *
 * The hosts reach the test workers two ways: `provide()` (vitest's supported
 * channel; read with `inject()`) and process.env (vitest 4 builds each worker's
 * env from the main process's process.env when the run starts, i.e. after global
 * setup; verified in test/integration/emulators.test.ts). Tests call
 * `emulatorEnv()` from ./env.ts, which reads inject() and syncs process.env.
 *
 * EMULATOR_LOGS=1 prints the emulators' output.
 */
import type { TestProject } from 'vitest/node';
import { fileURLToPath } from 'node:url';
import { startFirestoreEmulator, startPubsubEmulator, type EmulatorHandle } from '../../scripts/local/emulators.js';

declare module 'vitest' {
  interface ProvidedContext {
    firestoreEmulatorHost: string;
    pubsubEmulatorHost: string;
    googleCloudProject: string;
  }
}

/** Default project id; test files should use their own project ids for isolation. */
export const DEFAULT_TEST_PROJECT = 'demo-test';

/**
 * One emulator pair per run, shared by every project that asks (integration, browser): a second pair
 * would overwrite process.env, so another project's workers would read the other pair's hosts.
 */
interface Shared {
  started: Promise<{ firestore: EmulatorHandle; pubsub: EmulatorHandle }>;
  users: number;
}
const SHARED = Symbol.for('numbers-platform.test-emulators');
type WithShared = typeof globalThis & { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const holder = globalThis as WithShared;
  const shared = (holder[SHARED] ??= { started: startPair(), users: 0 });
  shared.users++;
  let pair: Awaited<Shared['started']>;
  try {
    pair = await shared.started;
  } catch (err) {
    shared.users--;
    if (shared.users === 0) delete holder[SHARED];
    throw err;
  }
  const { firestore, pubsub } = pair;
  const googleCloudProject = process.env.GOOGLE_CLOUD_PROJECT || DEFAULT_TEST_PROJECT;

  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  process.env.GOOGLE_CLOUD_PROJECT = googleCloudProject;
  process.env.METADATA_SERVER_DETECTION = 'none';

  project.provide('firestoreEmulatorHost', firestore.host);
  project.provide('pubsubEmulatorHost', pubsub.host);
  project.provide('googleCloudProject', googleCloudProject);

  return async () => {
    shared.users--;
    if (shared.users > 0) return;
    delete holder[SHARED];
    await Promise.allSettled([firestore.stop(), pubsub.stop()]);
  };
}

async function startPair(): Promise<{ firestore: EmulatorHandle; pubsub: EmulatorHandle }> {
  const verbose = !!process.env.EMULATOR_LOGS;
  const logFor = (name: string) => (verbose ? (line: string) => process.stderr.write(`[${name}] ${line}\n`) : undefined);
  const started = await Promise.allSettled([
    // With the project's security rules, as the dev stack runs it (client SDK requests are checked; the server SDK bypasses them).
    startFirestoreEmulator({ rulesPath: fileURLToPath(new URL('../../firestore.rules', import.meta.url)), log: logFor('firestore') }),
    startPubsubEmulator({ log: logFor('pubsub') }),
  ]);
  const handles = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.allSettled(handles.map((h) => h.stop()));
    throw failure.reason;
  }
  const [firestore, pubsub] = handles as [EmulatorHandle, EmulatorHandle];
  return { firestore, pubsub };
}
