import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { readFile } from 'node:fs/promises';
import { AppError } from '../http/errors.js';

/** Google's keys for OIDC tokens minted for service accounts (what Cloud Tasks sends). */
export const GOOGLE_OIDC_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

export interface TaskCaller {
  serviceAccount: string;
  queue?: string;
  taskName?: string;
  retryCount: number;
}

export type TaskVerifier = (token: string, audience: string) => Promise<Omit<TaskCaller, 'queue' | 'taskName' | 'retryCount'>>;

/**
 * Verifies the OIDC token Cloud Tasks attaches to a task: Google-signed, for our
 * tasks service account, addressed to this function. Internal functions are also
 * private at the IAM level; this is the second lock, not the only one.
 */
export function createTaskVerifier(options: {
  serviceAccountEmail: string;
  jwksUrl?: string;
  jwksFile?: string;
  /**
   * The error for a valid Google token of another identity (default: 403, only the task queue's
   * service account may call). Pub/Sub push handlers answer 401 to any token but their own.
   */
  wrongAccount?: () => AppError;
  /** The error for a missing, unsigned, expired or misaddressed token (default: 401). */
  unverified?: () => AppError;
}): TaskVerifier {
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const load = async (): Promise<JWTVerifyGetKey> => {
    const jose = await import('jose');
    if (options.jwksFile) return jose.createLocalJWKSet(JSON.parse(await readFile(options.jwksFile, 'utf8')) as JSONWebKeySet); // jose checks the set's shape
    return jose.createRemoteJWKSet(new URL(options.jwksUrl ?? GOOGLE_OIDC_JWKS_URL));
  };
  return async (token, audience) => {
    const jose = await import('jose');
    keySet ??= load().catch((err) => {
      keySet = undefined;
      throw err;
    });
    try {
      const { payload } = await jose.jwtVerify(token, await keySet, {
        algorithms: ['RS256'],
        issuer: GOOGLE_ISSUERS,
        audience,
        clockTolerance: 5,
      });
      if (payload.email !== options.serviceAccountEmail || payload.email_verified !== true) {
        throw options.wrongAccount?.() ?? new AppError('FORBIDDEN', 'This endpoint only accepts tasks from the platform’s task queue');
      }
      return { serviceAccount: payload.email };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw options.unverified?.() ?? new AppError('UNAUTHENTICATED', 'Task token could not be verified');
    }
  };
}
