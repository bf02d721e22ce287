import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { SigningSecretResponse } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { jobsRepository } from '../repository/jobs.js';
import { rotateSigningSecret } from '../services/callbacks.js';

/**
 * Creates or rotates the secret the platform signs notifications with; shown only in this answer, and
 * audited (who, when; never the secret). The audit entry follows the rotation: were it refused, the new
 * secret (the old one no longer signs) is still answered, once, and the failure logged.
 */
const operation: OperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof SigningSecretResponse>> =
  (deps) =>
  async ({ caller, requestId, log }) => {
    const secret = await rotateSigningSecret(deps)(caller.tenantId);
    await jobsRepository(deps.db)
      .auditSigningSecretRotation(caller.tenantId, userContext(caller, requestId), deps.now().toISOString())
      .catch((err: unknown) => log.error('the signing secret was rotated but its audit entry could not be written', { err }));
    return {
      status: 201,
      body: {
        secret,
        header: 'X-Signature',
        scheme: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> — reject timestamps older than 5 minutes',
      },
    };
  };
export default operation;
