import { inject } from 'vitest';

export interface EmulatorEnv {
  /** `127.0.0.1:PORT` of the run's Firestore emulator. */
  firestoreHost: string;
  /** `127.0.0.1:PORT` of the run's Pub/Sub emulator. */
  pubsubHost: string;
  /** The run's default project id (prefer a project id of your own per test file). */
  projectId: string;
}

function injected(key: 'firestoreEmulatorHost' | 'pubsubEmulatorHost' | 'googleCloudProject'): string | undefined {
  try {
    return inject(key) || undefined;
  } catch {
    return undefined; // not inside a vitest worker
  }
}

/**
 * The emulator hosts started by test/helpers/emulators.global-setup.ts. Reads
 * them through inject() (falling back to process.env) and writes them to
 * process.env, so Google clients created afterwards (which read
 * FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST) use the emulators.
 */
export function emulatorEnv(): EmulatorEnv {
  const firestoreHost = injected('firestoreEmulatorHost') ?? process.env.FIRESTORE_EMULATOR_HOST;
  const pubsubHost = injected('pubsubEmulatorHost') ?? process.env.PUBSUB_EMULATOR_HOST;
  const projectId = injected('googleCloudProject') ?? process.env.GOOGLE_CLOUD_PROJECT ?? 'demo-test';
  if (!firestoreHost || !pubsubHost) {
    throw new Error(
      'Emulator hosts not available: run this test in the integration project ' +
        '(`npx vitest run --project integration ...`), whose global setup test/helpers/emulators.global-setup.ts starts them',
    );
  }
  process.env.FIRESTORE_EMULATOR_HOST = firestoreHost;
  process.env.PUBSUB_EMULATOR_HOST = pubsubHost;
  process.env.GOOGLE_CLOUD_PROJECT ??= projectId;
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  return { firestoreHost, pubsubHost, projectId };
}
