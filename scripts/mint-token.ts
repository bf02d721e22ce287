/** `npm run token -- --tenant demo --role admin`: prints a bearer token the local stack accepts. */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { ensureDevKeys, LOCAL_PROJECT_ID, mintDevToken } from './local/dev-auth.js';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'demo' },
    role: { type: 'string', default: 'admin' },
    uid: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
    'data-dir': { type: 'string', default: '.local' },
  },
});
if (values.role !== 'admin' && values.role !== 'member') {
  console.error('--role must be admin or member');
  process.exit(2);
}
if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(values.tenant)) {
  console.error('--tenant must be lower-case letters, digits, _ or - (max 63)');
  process.exit(2);
}
const keys = await ensureDevKeys(path.join(values['data-dir'], 'auth'));
const token = await mintDevToken(keys, {
  projectId: process.env.GOOGLE_CLOUD_PROJECT ?? LOCAL_PROJECT_ID,
  tenantId: values.tenant,
  role: values.role,
  ...(values.uid ? { uid: values.uid } : {}),
  ttlSeconds: Number(values.ttl),
});
console.log(token);
