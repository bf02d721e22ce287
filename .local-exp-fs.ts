// throwaway experiment (deleted after use)
import { spawnSync } from 'node:child_process';
import { startFirestoreEmulator } from './scripts/local/emulators.js';
const fs = await startFirestoreEmulator({});
const code = (preferRest: boolean) => `
const t0 = performance.now();
const { Firestore } = await import('@google-cloud/firestore');
const t1 = performance.now();
const db = new Firestore({ projectId: 'demo-x', ignoreUndefinedProperties: true, preferRest: ${preferRest} });
await db.doc('tenants/t/limits/x').get();
const t2 = performance.now();
await db.collection('tenants/t/numbers').orderBy('createdAt','desc').limit(5).get();
const t3 = performance.now();
console.log(JSON.stringify({ load: t1 - t0, first: t2 - t1, second: t3 - t2, mods: Object.keys(require('module')._cache).length }));
process.exit(0);`;
for (const preferRest of [false, true, false, true, false, true, false, true, false, true]) {
  const s = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code(preferRest).replace("require('module')", "(await import('node:module')).default")], { env: { ...process.env, FIRESTORE_EMULATOR_HOST: fs.host, METADATA_SERVER_DETECTION: 'none' }, encoding: 'utf8', cwd: '/work/main' });
  console.log(preferRest ? 'rest ' : 'grpc ', (performance.now() - s).toFixed(0), r.stdout.trim(), r.stderr.slice(0, 300));
}
await fs.stop();
