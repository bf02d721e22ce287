import { startFirestoreEmulator } from '../scripts/local/emulators.js';
import { readFile } from 'node:fs/promises';
const cpu = async (pid: number) => { const s = await readFile(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const em = await startFirestoreEmulator({ maxHeap: '1g' });
process.env.FIRESTORE_EMULATOR_HOST = em.host;
const { getFirestore } = await import('../shared/store/firestore.js');
const db = await getFirestore('demo-micro');
const N = 400;
async function measure(name: string, fn: (i: number) => Promise<unknown>, conc = 20) {
  const c0 = await cpu(em.pid); const n0 = process.cpuUsage(); const t0 = Date.now();
  let next = 0; await Promise.all(Array.from({ length: conc }, async () => { while (next < N) await fn(next++); }));
  const c1 = await cpu(em.pid); const n1 = process.cpuUsage(n0);
  console.log(`${name.padEnd(28)} emu ${((c1 - c0) * 1000 / N).toFixed(2)} ms/op  node ${((n1.user + n1.system) / 1000 / N).toFixed(2)} ms/op  wall ${((Date.now() - t0) / N).toFixed(2)} ms/op`);
}
await measure('warmup set', (i) => db.doc(`w/${i}`).set({ a: i, s: 'x'.repeat(200) }));
await measure('set', (i) => db.doc(`a/${i}`).set({ a: i, s: 'x'.repeat(200) }));
await measure('get', (i) => db.doc(`a/${i}`).get());
await measure('update', (i) => db.doc(`a/${i}`).update({ b: i }));
await measure('txn get+update', (i) => db.runTransaction(async (tx) => { await tx.get(db.doc(`a/${i}`)); tx.update(db.doc(`a/${i}`), { c: i }); }));
await measure('txn getAll2+update', (i) => db.runTransaction(async (tx) => { await tx.getAll(db.doc(`a/${i}`), db.doc(`w/${i}`)); tx.update(db.doc(`a/${i}`), { c: i }); }));
await measure('query where ==', (i) => db.collection('a').where('a', '==', i).limit(1).get());
await measure('batch 3 writes', (i) => { const b = db.batch(); b.set(db.doc(`b/${i}`), { a: 1 }); b.set(db.doc(`c/${i}`), { a: 1 }); b.update(db.doc(`a/${i}`), { d: 1 }); return b.commit(); });
for (let i = 0; i < 5000; i += 400) { const b = db.batch(); for (let j = i; j < i + 400; j++) b.set(db.doc(`items/${j}`), { state: j % 3 ? 'queued' : 'succeeded', index: j }); await b.commit(); }
await measure('count 5000 where state', () => db.collection('items').where('state', '==', 'queued').count().get(), 4);
await em.stop();
process.exit(0);
