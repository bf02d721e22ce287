import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { SigningSecretResponse } from '../../../shared/api/schemas.js';
import { rotateSigningSecret } from '../services/callbacks.js';

/** Creates or rotates the secret the platform signs notifications with; shown only in this answer. */
const operation: OperationFactory<Record<string, never>, Record<string, never>, undefined, z.infer<typeof SigningSecretResponse>> =
  (deps) =>
  async ({ caller }) => ({
    status: 201,
    body: {
      secret: await rotateSigningSecret(deps)(caller.tenantId),
      header: 'X-Signature',
      scheme: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> — reject timestamps older than 5 minutes',
    },
  });
export default operation;
