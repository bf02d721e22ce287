import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Timestamp } from '@google-cloud/firestore';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  MissingToolError,
  findFreePort,
  startFirestoreEmulator,
  startPubsubEmulator,
  type FirestoreEmulatorHandle,
} from '../../scripts/local/emulators.js';
import { emulatorEnv } from '../helpers/env.js';
import { clearProject, testFirestore } from '../helpers/firestore.js';

const PROJECT = 'emulators-test';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('global setup', () => {
  it('hands the hosts to the worker through inject() and process.env', () => {
    // Both channels reach the worker in vitest 4 (env is copied from the main
    // process after global setup ran); emulatorEnv() relies on inject() first.
    const hosts = { fs: inject('firestoreEmulatorHost'), ps: inject('pubsubEmulatorHost') };
    expect(hosts.fs).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(hosts.ps).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(process.env.FIRESTORE_EMULATOR_HOST).toBe(hosts.fs);
    expect(process.env.PUBSUB_EMULATOR_HOST).toBe(hosts.ps);
    expect(process.env.METADATA_SERVER_DETECTION).toBe('none');
    expect(emulatorEnv()).toEqual({ firestoreHost: hosts.fs, pubsubHost: hosts.ps, projectId: inject('googleCloudProject') });
  });

  it('both emulators answer', async () => {
    const { firestoreHost, pubsubHost } = emulatorEnv();
    for (const host of [firestoreHost, pubsubHost]) {
      const res = await fetch(`http://${host}/`);
      expect(res.status).toBe(200);
      expect((await res.text()).trim()).toBe('Ok');
    }
  });

  it('Firestore works through the client and clearProject() empties a project', async () => {
    const db = testFirestore(PROJECT);
    try {
      await db.doc('things/one').set({ n: 1 });
      expect((await db.doc('things/one').get()).data()).toEqual({ n: 1 });
      await clearProject(PROJECT);
      expect((await db.doc('things/one').get()).exists).toBe(false);
    } finally {
      await db.terminate();
    }
  });
});

describe('Firestore export/import', () => {
  const dirs: string[] = [];
  const handles: FirestoreEmulatorHandle[] = [];
  afterAll(async () => {
    await Promise.allSettled(handles.map((h) => h.stop()));
    await Promise.allSettled(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('round-trips data through exportTo() and importDir, one export per project', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fs-export-'));
    dirs.push(dataDir);
    const port = await findFreePort();
    // First run of a local stack: the data folder does not exist yet.
    const first = await startFirestoreEmulator({ port, projectIds: ['rt-a'], importDir: path.join(dataDir, 'not-yet') });
    handles.push(first);
    expect(first.host).toBe(`127.0.0.1:${port}`);
    expect(first.projectIds).toEqual(['rt-a']);
    expect(first.host).not.toBe(emulatorEnv().firestoreHost);

    const at = Timestamp.fromMillis(1_700_000_000_123);
    const a1 = testFirestore('rt-a', first.host);
    const b1 = testFirestore('rt-b', first.host);
    await a1.doc('tenants/t1').set({ name: 'Acme', at, nested: { list: [1, 'two', null] } });
    await a1.doc('tenants/t1/numbers/n1').set({ e164: '+14155550100' });
    await b1.doc('tenants/t2').set({ name: 'Other' });
    await Promise.all([a1.terminate(), b1.terminate()]);

    await expect(first.exportTo(dataDir, [])).rejects.toThrow(/no project ids/);
    // Default: the handle's known projects (projectIds option) only.
    await first.exportTo(dataDir);
    expect((await readdir(dataDir)).sort()).toEqual(['rt-a']);
    await first.exportTo(dataDir, ['rt-a', 'rt-b']);
    expect((await readdir(dataDir)).sort()).toEqual(['rt-a', 'rt-b']); // no staging folder left behind
    expect(existsSync(path.join(dataDir, 'rt-a', 'rt-a.overall_export_metadata'))).toBe(true);

    const firstPid = first.pid;
    await first.stop();
    expect(alive(firstPid)).toBe(false);

    const second = await startFirestoreEmulator({ importDir: dataDir });
    handles.push(second);
    expect([...second.projectIds].sort()).toEqual(expect.arrayContaining(['rt-a', 'rt-b']));
    const a2 = testFirestore('rt-a', second.host);
    const b2 = testFirestore('rt-b', second.host);
    try {
      const tenant = (await a2.doc('tenants/t1').get()).data();
      expect(tenant).toEqual({ name: 'Acme', at, nested: { list: [1, 'two', null] } });
      expect((await a2.doc('tenants/t1/numbers/n1').get()).data()).toEqual({ e164: '+14155550100' });
      expect((await b2.doc('tenants/t2').get()).data()).toEqual({ name: 'Other' });
      // Projects stay apart: each export went back into its own project.
      expect((await b2.doc('tenants/t1').get()).exists).toBe(false);
      expect((await a2.doc('tenants/t2').get()).exists).toBe(false);

      // A second export replaces the first; importFrom() loads an export into any project id.
      await a2.doc('tenants/t1').update({ name: 'Acme 2' });
      await second.exportTo(dataDir, 'rt-a');
      await second.importFrom(path.join(dataDir, 'rt-a'), 'rt-c');
      const c2 = testFirestore('rt-c', second.host);
      expect((await c2.doc('tenants/t1').get()).get('name')).toBe('Acme 2');
      await c2.terminate();

      await second.clear('rt-a');
      expect((await a2.doc('tenants/t1').get()).exists).toBe(false);
    } finally {
      await Promise.all([a2.terminate(), b2.terminate()]);
    }
    // The run's shared emulator never saw any of it.
    const shared = testFirestore('rt-a');
    expect((await shared.doc('tenants/t1').get()).exists).toBe(false);
    await shared.terminate();
  }, 120_000); // two emulator JVMs start here, while other files start their stacks
});

describe('start failures', () => {
  it('reports an emulator that exits before it is ready, with its last output', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bad-export-'));
    try {
      const bogus = path.join(dir, 'bogus.overall_export_metadata');
      await writeFile(bogus, 'not an export');
      // A single foreign export is passed as --import-data; this one makes the JVM exit.
      await expect(startFirestoreEmulator({ importDir: bogus })).rejects.toThrow(
        /firestore emulator exited before it was ready \(code 1[\s\S]*Last output:[\s\S]*SEVERE: Exiting due to unexpected exception[\s\S]*DatastoreException/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an explicit port that is taken (no JVM started)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await expect(startPubsubEmulator({ port })).rejects.toThrow(`pubsub emulator: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      server.close();
    }
  });
});

describe('MissingToolError', () => {
  it('names a wrong SDK root (option and CLOUDSDK_ROOT_DIR)', async () => {
    const err = await startFirestoreEmulator({ sdkRoot: '/nonexistent/google-cloud-sdk' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as MissingToolError).tool).toBe('gcloud-sdk');
    expect((err as Error).message).toMatch(/Google Cloud SDK not found at \/nonexistent\/google-cloud-sdk .*sdkRoot option/);

    const previous = process.env.CLOUDSDK_ROOT_DIR;
    process.env.CLOUDSDK_ROOT_DIR = '/nonexistent/env-sdk';
    try {
      await expect(startPubsubEmulator({})).rejects.toThrow(/not found at \/nonexistent\/env-sdk \(from CLOUDSDK_ROOT_DIR\)/);
    } finally {
      if (previous === undefined) delete process.env.CLOUDSDK_ROOT_DIR;
      else process.env.CLOUDSDK_ROOT_DIR = previous;
    }
  });

  it('names the missing emulator component and how to install it', async () => {
    const emptySdk = await mkdtemp(path.join(os.tmpdir(), 'empty-sdk-'));
    try {
      await mkdir(path.join(emptySdk, 'platform'));
      const fsErr = await startFirestoreEmulator({ sdkRoot: emptySdk }).catch((e: unknown) => e);
      expect(fsErr).toBeInstanceOf(MissingToolError);
      expect((fsErr as Error).message).toBe(
        `Firestore emulator not found at ${emptySdk}/platform/cloud-firestore-emulator — run \`gcloud components install cloud-firestore-emulator\` ` +
          'or apt-get install google-cloud-cli-firestore-emulator',
      );
      const psErr = await startPubsubEmulator({ sdkRoot: emptySdk }).catch((e: unknown) => e);
      expect(psErr).toBeInstanceOf(MissingToolError);
      expect((psErr as Error).message).toMatch(/Pub\/Sub emulator not found at .*gcloud components install pubsub-emulator.*google-cloud-cli-pubsub-emulator/);
    } finally {
      await rm(emptySdk, { recursive: true, force: true });
    }
  });

  it('names missing or too old Java', async () => {
    const err = await startFirestoreEmulator({ javaPath: '/nonexistent/bin/java' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as MissingToolError).tool).toBe('java');
    expect((err as Error).message).toBe('Java 17+ not found at /nonexistent/bin/java (apt-get install openjdk-17-jre-headless)');

    const dir = await mkdtemp(path.join(os.tmpdir(), 'old-java-'));
    try {
      const fake = path.join(dir, 'java');
      await writeFile(fake, '#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n', { mode: 0o755 });
      await expect(startPubsubEmulator({ javaPath: fake })).rejects.toThrow(`Java 17+ required, found Java 11 at ${fake}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
