import type { JSONWebKeySet, JWTVerifyGetKey, JWTPayload } from 'jose';
import { readFile } from 'node:fs/promises';
import { AppError } from '../http/errors.js';

/** Google's public keys for Firebase ID tokens (securetoken). */
export const GOOGLE_SECURETOKEN_JWKS_URL =
  'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com';

export const roles = ['admin', 'member'] as const;
export type Role = (typeof roles)[number];

export interface Caller {
  uid: string;
  tenantId: string;
  role: Role;
  email?: string;
}

const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface TokenVerifierOptions {
  projectId: string;
  /** Exactly one key source: Google's JWKS (production) or a local JWKS file (dev stack). */
  jwksUrl?: string;
  jwksFile?: string;
  clockToleranceSeconds?: number;
}

export type TokenVerifier = (token: string) => Promise<Caller>;

/**
 * Verifies a Firebase ID token: RS256 signature against the configured key set,
 * issuer https://securetoken.google.com/<project>, audience <project>, expiry,
 * and the custom claims tenantId + role the platform relies on.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const getKeySet = async (): Promise<JWTVerifyGetKey> => {
    const jose = await import('jose');
    if (options.jwksFile) {
      const jwks = JSON.parse(await readFile(options.jwksFile, 'utf8')) as JSONWebKeySet; // jose checks the set's shape
      return jose.createLocalJWKSet(jwks);
    }
    return jose.createRemoteJWKSet(new URL(options.jwksUrl ?? GOOGLE_SECURETOKEN_JWKS_URL), {
      cooldownDuration: 30_000,
      cacheMaxAge: 6 * 60 * 60 * 1000,
    });
  };

  return async (token) => {
    const jose = await import('jose');
    keySet ??= getKeySet().catch((err) => {
      keySet = undefined;
      throw err;
    });
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, await keySet, {
        algorithms: ['RS256'],
        issuer: `https://securetoken.google.com/${options.projectId}`,
        audience: options.projectId,
        clockTolerance: options.clockToleranceSeconds ?? 5,
        requiredClaims: ['sub', 'iat', 'exp'],
      }));
    } catch (err) {
      throw new AppError('UNAUTHENTICATED', describeJoseFailure(err));
    }
    return callerFromClaims(payload);
  };
}

export function callerFromClaims(payload: JWTPayload): Caller {
  const { sub, tenantId, role, email, auth_time: authTime } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) {
    throw new AppError('UNAUTHENTICATED', 'Token has no valid subject');
  }
  if (typeof authTime === 'number' && authTime > Math.floor(Date.now() / 1000) + 5) {
    throw new AppError('UNAUTHENTICATED', 'Token auth_time is in the future');
  }
  if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId)) {
    throw new AppError('FORBIDDEN', 'Token carries no valid tenantId claim');
  }
  if (!roles.includes(role as Role)) {
    throw new AppError('FORBIDDEN', 'Token carries no valid role claim (admin or member)');
  }
  return { uid: sub, tenantId, role: role as Role, ...(typeof email === 'string' ? { email } : {}) };
}

function describeJoseFailure(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'Token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `Token claim check failed: ${(err as { claim?: string }).claim ?? 'claim'}`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'Token signature is not valid';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'Token is malformed';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'Token algorithm is not allowed';
    default:
      return 'Token could not be verified';
  }
}

/**
 * Where the caller's Firebase ID token is. Behind API Gateway (every deployed public route: the
 * functions accept requests from the gateway's service account only) the gateway puts its own
 * Google-signed ID token, addressed to the function's URL, in Authorization — Cloud Run checks it
 * before the request reaches the function — and moves the caller's Authorization header to
 * X-Forwarded-Authorization. Anywhere else (the dev stack without its gateway's rewrite, tests) the
 * caller's token is in Authorization. The token is verified the same way wherever it is found.
 */
export function callerAuthorization(get: (header: string) => string | undefined, viaGateway: boolean): string | undefined {
  return get(viaGateway ? 'x-forwarded-authorization' : 'authorization');
}

export function bearerToken(header: string | undefined): string {
  if (!header) throw new AppError('UNAUTHENTICATED', 'Missing Authorization header (expected "Bearer <Firebase ID token>")');
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Authorization header must be "Bearer <Firebase ID token>"');
  return match[1];
}
