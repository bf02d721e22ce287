import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Role } from '../../shared/auth/verify-token.js';

/**
 * The local stack's stand-in for Firebase Auth's signing keys: a real RS256 key
 * pair kept in a git-ignored folder. Tokens minted here are verified exactly like
 * production ID tokens, only against this key set instead of Google's.
 */
/** The project id of the local stack: `demo-` ids never reach real Google services. */
export const LOCAL_PROJECT_ID = 'demo-numbers';

export interface DevKeys {
  jwksFile: string;
  privateJwk: JWK;
  kid: string;
}

export async function ensureDevKeys(dir: string): Promise<DevKeys> {
  const privateFile = path.join(dir, 'signing-key.private.jwk.json');
  const jwksFile = path.join(dir, 'jwks.json');
  try {
    const privateJwk = JSON.parse(await readFile(privateFile, 'utf8')) as JWK;
    await readFile(jwksFile, 'utf8');
    return { jwksFile, privateJwk, kid: privateJwk.kid! };
  } catch {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    await writeFile(privateFile, JSON.stringify(privateJwk), { mode: 0o600 });
    await writeFile(jwksFile, JSON.stringify({ keys: [publicJwk] }));
    return { jwksFile, privateJwk, kid };
  }
}

export interface MintOptions {
  projectId: string;
  tenantId: string;
  role: Role;
  uid?: string;
  email?: string;
  ttlSeconds?: number;
  /** For tests of rejection paths. */
  overrides?: { issuer?: string; audience?: string; expiresAt?: number; claims?: Record<string, unknown> };
}

export async function mintDevToken(keys: DevKeys, options: MintOptions): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  const uid = options.uid ?? `dev-${options.tenantId}-${options.role}`;
  return new SignJWT({
    tenantId: options.tenantId,
    role: options.role,
    auth_time: now,
    user_id: uid,
    firebase: { identities: {}, sign_in_provider: 'custom' },
    ...(options.email ? { email: options.email } : {}),
    ...options.overrides?.claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setIssuer(options.overrides?.issuer ?? `https://securetoken.google.com/${options.projectId}`)
    .setAudience(options.overrides?.audience ?? options.projectId)
    .setSubject(uid)
    .setIssuedAt(now)
    .setExpirationTime(options.overrides?.expiresAt ?? now + (options.ttlSeconds ?? 3600))
    .sign(key);
}

/**
 * A task dispatcher's tokens: one per audience and service account, minted again when less than
 * half of its hour is left — Google's OIDC tokens live an hour too, and the receiver checks the same
 * claims either way. Spares the local queue an RSA signature per dispatch.
 */
export function devTaskTokens(keys: DevKeys, serviceAccount: string): (audience: string) => Promise<string> {
  const minted = new Map<string, { token: Promise<string>; until: number }>();
  return (audience) => {
    const now = Date.now();
    const held = minted.get(audience);
    if (held && held.until > now) return held.token;
    const token = mintDevTaskToken(keys, { audience, serviceAccount });
    minted.set(audience, { token, until: now + 30 * 60 * 1000 });
    token.catch(() => minted.delete(audience));
    return token;
  };
}

/** What Cloud Tasks attaches to a task: a Google-issued OIDC token for the tasks service account. */
export async function mintDevTaskToken(keys: DevKeys, options: { audience: string; serviceAccount: string }): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'RS256');
  return new SignJWT({ email: options.serviceAccount, email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid: keys.kid, typ: 'JWT' })
    .setIssuer('https://accounts.google.com')
    .setAudience(options.audience)
    .setSubject('100000000000000000000')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
}
