import type { z } from 'zod';
import type { TaskOperationFactory } from '../../../shared/api/endpoint.js';
import type { SomosTokenRefreshBody, SomosTokenRefreshResult } from '../../../shared/api/schemas.js';

/**
 * Cloud Scheduler target (every 10 minutes): renews the Somos token well before it expires (25-minute
 * margin; requests renew only inside 10 minutes) and re-opens the session near the refresh token's end.
 * One renewal across instances (Firestore lease). Failures answer 5xx and are logged as somos.auth_failure;
 * the third in a row also logs somos.auth_failures_consecutive at ERROR (the alert policy's match).
 */
const operation: TaskOperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof SomosTokenRefreshBody>, z.infer<typeof SomosTokenRefreshResult>> =
  (deps) =>
  async ({ log }) => {
    const { tokens } = await deps.somos();
    const outcome = await tokens.refreshIfNeeded();
    log.info('somos token checked', { action: outcome.action, expiresAt: outcome.expiresAt });
    return { body: outcome };
  };
export default operation;
