import { spawn } from 'node:child_process';
import { request as httpRequest, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * Gives freshly started emulators a few seconds of the traffic a bulk job makes before anything
 * is measured. Both are JVMs that compile their hot paths in the first seconds of load, which a
 * production Firestore or Pub/Sub does not do in the middle of a job; without this, the first
 * items of a measured job pay for the emulators' JIT.
 *
 * It warms the emulators only, never the platform: it runs in a child process (so not even the
 * bench process's JavaScript gets compiled by it), in a Firestore project of its own whose data it
 * clears at the end, and on a Pub/Sub topic and push subscription of its own that it deletes.
 */
export async function warmEmulators(options: { firestoreHost: string; pubsubHost: string; seconds: number }): Promise<{ firestoreOps: number; pushes: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), options.firestoreHost, options.pubsubHost, String(options.seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FIRESTORE_EMULATOR_HOST: options.firestoreHost },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`emulator warm-up exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { firestoreOps: number; pushes: number };
}

async function warmInThisProcess(firestoreHost: string, pubsubHost: string, seconds: number): Promise<{ firestoreOps: number; pushes: number }> {
  const projectId = 'demo-bench-warmup';
  const until = Date.now() + seconds * 1000;
  const [firestoreOps, pushes] = await Promise.all([warmFirestore(firestoreHost, projectId, until), warmPubsub(pubsubHost, projectId, until)]);
  return { firestoreOps, pushes };
}

async function warmFirestore(host: string, projectId: string, until: number): Promise<number> {
  const { Firestore, FieldValue } = await import('@google-cloud/firestore');
  // Its own client: the emulator host is passed explicitly, so the platform's env is untouched.
  const db = new Firestore({ projectId, host, ssl: false }) // ssl: false → the emulator's admin identity;
  let ops = 0;
  try {
    for (let round = 0; Date.now() < until; round++) {
      const items = db.collection(`warm/${round}/items`);
      const batch = db.batch();
      for (let i = 0; i < 100; i++) batch.set(items.doc(`it_${i}`), { index: i, state: 'queued', input: { phoneNumber: `+1415555${String(i).padStart(4, '0')}` }, attempts: 0 });
      await batch.commit();
      // What an item does: a claim transaction, a number + claim + audit transaction, an update; then counts.
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const ref = items.doc(`it_${i}`);
          await db.runTransaction(async (tx) => {
            const snap = await tx.get(ref);
            tx.update(ref, { state: 'running', attempts: (snap.get('attempts') as number) + 1 });
          });
          await db.runTransaction(async (tx) => {
            await tx.get(db.doc(`warm/${round}/claims/${i}`));
            tx.set(db.doc(`warm/${round}/numbers/${i}`), { status: 'pending', phoneNumber: `+1415555${i}` });
            tx.set(db.doc(`warm/${round}/claims/${i}`), { numberId: String(i) });
            tx.set(db.collection(`warm/${round}/audit`).doc(), { at: FieldValue.serverTimestamp() });
          });
          await ref.update({ state: 'succeeded' });
        }),
      );
      await Promise.all(['queued', 'running', 'succeeded'].map((state) => items.where('state', '==', state).count().get()));
      ops += 100 + 20 * 3 + 3;
    }
  } finally {
    await db.terminate();
    // The emulator's own endpoint for clearing one project's data.
    await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: 'DELETE' }).catch(() => undefined);
  }
  return ops;
}

async function warmPubsub(host: string, projectId: string, until: number): Promise<number> {
  let pushes = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      pushes++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
      const [hostname, port] = host.split(':');
      const payload = body === undefined ? '' : JSON.stringify(body);
      const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
      const req = httpRequest(
        { hostname, port: Number(port), method, path: `/v1/${path}`, agent: false, headers },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  try {
    const topic = `projects/${projectId}/topics/warm`;
    await call('PUT', topic, {});
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/projects/${projectId}/topics/warm`;
    await call('PUT', `projects/${projectId}/subscriptions/warm-push`, { topic, pushConfig: { pushEndpoint: endpoint } });
    let published = 0;
    while (Date.now() < until) {
      const data = Buffer.from(JSON.stringify({ warm: true, from: 0, to: 100, indexes: Array.from({ length: 100 }, (_, i) => i) })).toString('base64');
      await Promise.all(Array.from({ length: 5 }, () => call('POST', `${topic}:publish`, { messages: [{ data }] })));
      published += 5;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Every message delivered, then the subscription gone: nothing of the warm-up may still be
    // pushing (or retrying a push) while the job is measured.
    const deadline = Date.now() + 10_000;
    while (pushes < published && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await call('DELETE', `projects/${projectId}/subscriptions/warm-push`);
    await call('DELETE', topic);
  } finally {
    receiver.close();
    receiver.closeAllConnections();
  }
  return pushes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [firestoreHost, pubsubHost, seconds] = process.argv.slice(2);
  const result = await warmInThisProcess(firestoreHost!, pubsubHost!, Number(seconds));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
