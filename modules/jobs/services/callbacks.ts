import { createHmac, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { JobFinishedEvent } from '../../../shared/api/schemas/notifications.js';
import type { Deps } from '../../../shared/deps.js';
import { AppError } from '../../../shared/http/errors.js';
import { postToTenantUrl } from '../../../shared/http/outbound-request.js';
import { outboundPolicy } from '../../../shared/http/outbound-url.js';
import type { Logger } from '../../../shared/log.js';
import { SecretNotFoundError } from '../../../shared/secrets/secret-store.js';
import { jobView } from './job-view.js';
import { jobsRepository } from '../repository/jobs.js';

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

/** Cloud Tasks target: POSTs the job's final state to its callbackUrl (through the outbound guard); a non-2xx answer makes the queue retry. */
export function deliverJobCallback(deps: Pick<Deps, 'db' | 'secrets' | 'now' | 'config'>) {
  return async (tenantId: string, jobId: string, attempt: number, log: Logger): Promise<{ status: number }> => {
    const jobs = jobsRepository(deps.db);
    const job = await jobs.getJob(tenantId, jobId);
    if (!job?.callbackUrl || !job.finishedAt) return { status: 0 };
    const view = await jobView(jobs, job, deps.now());
    // The payload OpenAPI documents (webhooks: job.finished); the type keeps the two together.
    const body = JSON.stringify({ type: 'job.finished', job: view } satisfies z.input<typeof JobFinishedEvent>);
    const timestamp = Math.floor(deps.now().getTime() / 1000);
    const signature = signPayload(await signingSecret(deps, tenantId), body, timestamp);
    const sent = await postToTenantUrl(outboundPolicy(deps.config), job.callbackUrl, {
      headers: { 'content-type': 'application/json', 'x-signature': signature, 'user-agent': 'numbers-platform/1' },
      body,
    });
    const { status, outcome } = sent;
    // A coarse outcome only: the error's text (which may name internal hosts) goes to our logs.
    await jobs.addCallbackAttempt(tenantId, jobId, { attempt, at: deps.now().toISOString(), status, outcome });
    if (status < 200 || status >= 300) {
      log.warn('job callback not accepted; the queue retries', { jobId, status, outcome, detail: sent.detail });
      throw new AppError('SERVICE_UNAVAILABLE', `Callback answered ${status || outcome}`, { retryable: true });
    }
    return { status };
  };
}
