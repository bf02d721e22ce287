import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPair, SignJWT } from 'jose';
import { bearerToken, createTokenVerifier } from '../../shared/auth/verify-token.js';
import { ensureDevKeys, mintDevToken, type DevKeys } from '../../scripts/local/dev-auth.js';
import { AppError } from '../../shared/http/errors.js';

let keys: DevKeys;
const projectId = 'demo-auth';
beforeAll(async () => {
  keys = await ensureDevKeys(path.join(await mkdtemp(path.join(tmpdir(), 'keys-')), 'auth'));
});

const verify = () => createTokenVerifier({ projectId, jwksFile: keys.jwksFile });
const failure = async (token: string) => {
  try {
    await verify()(token);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('token was accepted');
};

describe('Firebase ID token verification', () => {
  it('accepts a well-signed token and reads tenant and role from its claims', async () => {
    const token = await mintDevToken(keys, { projectId, tenantId: 'clinic-1', role: 'member', uid: 'u1' });
    await expect(verify()(token)).resolves.toEqual({ uid: 'u1', tenantId: 'clinic-1', role: 'member' });
  });

  it.each([
    ['wrong audience', { audience: 'other-project' }, 'UNAUTHENTICATED'],
    ['wrong issuer', { issuer: 'https://securetoken.google.com/other' }, 'UNAUTHENTICATED'],
    ['expired', { expiresAt: Math.floor(Date.now() / 1000) - 60 }, 'UNAUTHENTICATED'],
    ['no tenant', { claims: { tenantId: undefined } }, 'FORBIDDEN'],
    ['bad role', { claims: { role: 'owner' } }, 'FORBIDDEN'],
  ])('rejects a token with %s', async (_name, overrides, code) => {
    const token = await mintDevToken(keys, { projectId, tenantId: 'clinic-1', role: 'admin', overrides });
    expect((await failure(token)).code).toBe(code);
  });

  it('rejects a token signed by another key, even with the same kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ tenantId: 'clinic-1', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
      .setIssuer(`https://securetoken.google.com/${projectId}`)
      .setAudience(projectId)
      .setSubject('attacker')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await failure(forged)).message).toMatch(/signature/);
  });

  it('rejects unsigned and malformed tokens', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ tenantId: 'x', role: 'admin', sub: 'a' })).toString('base64url');
    expect((await failure(`${header}.${body}.`)).code).toBe('UNAUTHENTICATED');
    expect((await failure('not-a-jwt')).code).toBe('UNAUTHENTICATED');
  });

  it('parses the Authorization header strictly', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(() => bearerToken(undefined)).toThrow(/Missing Authorization/);
    expect(() => bearerToken('Basic Zm9vOmJhcg==')).toThrow(/Bearer/);
  });
});
