import type { Config } from '../config.js';
import { AppError } from '../http/errors.js';
import { createTaskVerifier, type TaskVerifier } from './verify-task.js';

/**
 * Where Pub/Sub pushes an event function's messages, and the audience of the OIDC token each push
 * carries (the same URL: terraform/events.tf sets the push subscriptions' oidc_token.audience to it).
 * Deployed, each function has its own URL (FUNCTIONS_BASE_URL/name); locally the gateway routes
 * /pubsub/<name> to it.
 */
export function pushTarget(config: Config, fn: { name: string }): { url: string; audience: string } {
  if (config.FUNCTIONS_BASE_URL) {
    const url = `${config.FUNCTIONS_BASE_URL.replace(/\/$/, '')}/${fn.name}`;
    return { url, audience: url };
  }
  if (!config.PUBLIC_BASE_URL) throw new Error('FUNCTIONS_BASE_URL or PUBLIC_BASE_URL must be set to address Pub/Sub pushes');
  const url = `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/pubsub/${fn.name}`;
  return { url, audience: url };
}

/** The push identity when PUBSUB_PUSH_SERVICE_ACCOUNT is not set (the dev stack and tests; production must set it). */
export const defaultPushServiceAccount = (projectId: string) => `pubsub-push@${projectId}.iam.gserviceaccount.com`;

/**
 * Verifies the OIDC token a push subscription attaches to each push: Google-signed, for the push
 * service account, addressed to this function. Every failure is a 401: the handler answers nothing
 * else to a request that is not the platform's own push.
 */
export function createPushVerifier(config: Config): TaskVerifier {
  return createTaskVerifier({
    serviceAccountEmail: config.PUBSUB_PUSH_SERVICE_ACCOUNT ?? defaultPushServiceAccount(config.GOOGLE_CLOUD_PROJECT),
    ...(config.TASKS_OIDC_JWKS_FILE ? { jwksFile: config.TASKS_OIDC_JWKS_FILE } : {}),
    wrongAccount: () => new AppError('UNAUTHENTICATED', 'This endpoint only accepts pushes from the platform’s Pub/Sub subscriptions'),
    unverified: () => new AppError('UNAUTHENTICATED', 'Push token could not be verified'),
  });
}

/** The token of an `Authorization: Bearer <token>` header; a 401 without one. */
export function pushBearerToken(header: string | undefined): string {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'Missing or malformed Authorization header (expected "Bearer <Pub/Sub push OIDC token>")');
  return match[1];
}
