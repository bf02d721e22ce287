import { Firestore } from '@google-cloud/firestore';
import { emulatorEnv } from './env.js';

/**
 * A @google-cloud/firestore client for `projectId` on the run's Firestore
 * emulator (or on `host`, e.g. a second emulator a test started). Use a project
 * id per test file: projects are isolated in the emulator. Call `terminate()` in afterAll.
 *
 * The client lets FIRESTORE_EMULATOR_HOST override its `host` setting, so the
 * variable is pointed at `host` while the client is constructed (settings are
 * read in the constructor only).
 */
export function testFirestore(projectId: string, host: string = emulatorEnv().firestoreHost): Firestore {
  const previous = process.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIRESTORE_EMULATOR_HOST = host;
  try {
    return new Firestore({ projectId, host, ssl: false, ignoreUndefinedProperties: true });
  } finally {
    if (previous === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = previous;
  }
}

/** Delete every document of the project's (default) database on the emulator (~20 ms). */
export async function clearProject(projectId: string, host: string = emulatorEnv().firestoreHost): Promise<void> {
  const res = await fetch(`http://${host}/emulator/v1/projects/${encodeURIComponent(projectId)}/databases/(default)/documents`, {
    method: 'DELETE',
  });
  if (!res.ok) throw new Error(`clearProject(${projectId}) failed: HTTP ${res.status} ${await res.text()}`);
}
