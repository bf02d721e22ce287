// throwaway experiment (deleted after use)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import net from 'node:net';
import { startFirestoreEmulator, findFreePort } from './scripts/local/emulators.js';
import { ensureDevKeys, mintDevToken } from './scripts/local/dev-auth.js';

const fs = await startFirestoreEmulator({});
const keys = await ensureDevKeys('/tmp/csexp/auth');
const token = await mintDevToken(keys, { projectId: 'demo-x', tenantId: 't', role: 'admin' });
const target = process.argv[2] ?? 'numbersList';
const path = process.argv[3] ?? '/v1/numbers';
for (let i = 0; i < Number(process.argv[4] ?? 3); i++) {
  const port = await findFreePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', '/tmp/csexp/preload.mjs', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/csexp/prof'] : []), 'node_modules/@google-cloud/functions-framework/build/src/main.js', `--target=${target}`, `--port=${port}`, '--source=dist/functions/index.js'], {
    env: { ...process.env, TRACE: `/tmp/csexp/t${i}.json`, NODE_ENV: 'production', GOOGLE_CLOUD_PROJECT: 'demo-x', PLATFORM_ENV: 'local', AUTH_JWKS_FILE: keys.jwksFile, FIRESTORE_EMULATOR_HOST: fs.host, METADATA_SERVER_DETECTION: 'none', LOCAL_DATA_DIR: '/tmp/csexp/data', PUBLIC_BASE_URL: 'http://127.0.0.1:1' },
    stdio: 'inherit',
  });
  for (;;) {
    const ok = await new Promise<boolean>((r) => { const s = net.connect({ port, host: '127.0.0.1' }); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  const ready = performance.now() - t0;
  const status = await new Promise<number>((resolve) => request(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); }).end());
  const total = performance.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const trace = JSON.parse(readFileSync(`/tmp/csexp/t${i}.json`, 'utf8')) as [string, [number, string]][];
  // child performance.now() is relative to its own start; print first-seen per package after ready
  const first: Record<string, number> = {};
  for (const [u, [at]] of trace) { const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u); const k = m ? m[1]! : u.replace('file:///work/main/', ''); if (!(k in first)) first[k] = at; }
  const last = Math.max(...trace.map(([, [at]]) => at));
  console.log(`run ${i}: status ${status} ready ${ready.toFixed(0)} total ${total.toFixed(0)} modules ${trace.length} last module at ${last.toFixed(0)} (child clock)`);
  console.log(Object.entries(first).filter(([, at]) => at > ready - 80).sort((a, b) => a[1] - b[1]).map(([k, at]) => `${at.toFixed(0)} ${k}`).join(' | '));
}
await fs.stop();
