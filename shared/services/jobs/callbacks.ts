import { createHmac, randomBytes } from 'node:crypto';
import type { Deps } from '../../deps.js';
import type { JobRecord } from '../../domain/job.js';
import { AppError } from '../../http/errors.js';
import type { Logger } from '../../log.js';
import { SecretNotFoundError } from '../../secrets/secret-store.js';
import { jobView } from './jobs.js';

/**
 * What the platform signs its own outgoing notifications with: one secret per tenant, in
 * Secret Manager, shown to the tenant once when created or rotated.
 */
export const signingSecretName = (tenantId: string) => `tenant-${tenantId}-signing`;

export function rotateSigningSecret(deps: Pick<Deps, 'secrets'>) {
  return async (tenantId: string): Promise<string> => {
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    await deps.secrets.put(signingSecretName(tenantId), secret, { tenant: tenantId, purpose: 'outgoing-signatures' });
    return secret;
  };
}

export async function signingSecret(deps: Pick<Deps, 'secrets'>, tenantId: string): Promise<string> {
  try {
    return await deps.secrets.access(signingSecretName(tenantId));
  } catch (err) {
    if (err instanceof SecretNotFoundError) return rotateSigningSecret(deps)(tenantId); // created on first use
    throw err;
  }
}

/** `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` — verify with the tenant's secret. */
export function signPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Cloud Tasks target: POSTs the job's final state to its callbackUrl; a non-2xx answer makes the queue retry. */
export function deliverJobCallback(deps: Pick<Deps, 'db' | 'secrets' | 'now'>) {
  return async (tenantId: string, jobId: string, attempt: number, log: Logger): Promise<{ status: number }> => {
    const db = await deps.db();
    const job = (await db.doc(`tenants/${tenantId}/jobs/${jobId}`).get()).data() as JobRecord | undefined;
    if (!job?.callbackUrl || !job.finishedAt) return { status: 0 };
    const view = await jobView(db, job, deps.now());
    const body = JSON.stringify({ type: 'job.finished', job: view });
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const signature = signPayload(await signingSecret(deps, tenantId), body, timestamp);
    let status = 0;
    let error: string | undefined;
    try {
      const { request } = await import('undici'); // loaded only when something is delivered
      const res = await request(job.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature': signature, 'user-agent': 'numbers-platform/1' },
        body,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      error = err instanceof Error ? err.message : 'request failed';
    }
    await db.collection(`tenants/${tenantId}/jobs/${jobId}/callbackAttempts`).add({ attempt, at: deps.now().toISOString(), status, ...(error ? { error } : {}) });
    if (status < 200 || status >= 300) {
      log.warn('job callback not accepted; the queue retries', { jobId, status, error });
      throw new AppError('SERVICE_UNAVAILABLE', `Callback answered ${status || error}`, { retryable: true });
    }
    return { status };
  };
}
