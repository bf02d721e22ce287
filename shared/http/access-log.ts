import type { Request, Response } from '@google-cloud/functions-framework';
import { accessLogFields, type Logger } from '../log.js';
import { CARRIED_TRACE_HEADER, traceFromHeaders, type RequestScope } from '../trace.js';

/** The request's trace (incoming, or new) and what Error Reporting wants to know of it. */
export function requestScope(req: Request, functionName: string): RequestScope {
  return {
    trace: traceFromHeaders(req.get('traceparent') ?? undefined, req.get('x-cloud-trace-context') ?? undefined, req.get(CARRIED_TRACE_HEADER) ?? undefined),
    ...(process.env.GOOGLE_CLOUD_PROJECT ? { project: process.env.GOOGLE_CLOUD_PROJECT } : {}),
    function: functionName,
    httpRequest: { method: req.method, url: req.originalUrl ?? req.url },
  };
}

/**
 * One access line per request, once its response is written: Cloud Logging's httpRequest (method,
 * URL, status, latency, user agent, client address) and labels (function, tenant). 5xx at WARNING
 * (the failure itself is logged at ERROR where it happened), everything else at INFO.
 */
export function logAccess(log: Logger, req: Request, res: Response, started: number, labels: Record<string, string | undefined>): void {
  try {
    const status = res.statusCode;
    const forwarded = req.get('x-forwarded-for')?.split(',')[0]?.trim();
    const host = req.get('x-forwarded-host') ?? req.get('host');
    const proto = req.get('x-forwarded-proto')?.split(',')[0]?.trim() ?? req.protocol ?? 'http';
    const path = req.originalUrl ?? req.url;
    const fields = accessLogFields({
      method: req.method,
      url: host ? `${proto}://${host}${path}` : path,
      status,
      latencyMs: performance.now() - started,
      userAgent: req.get('user-agent') ?? undefined,
      remoteIp: forwarded || req.socket?.remoteAddress || undefined,
      requestSize: Number(req.get('content-length') ?? req.rawBody?.length ?? 0) || undefined,
      responseSize: Number(res.get('content-length') ?? 0) || undefined,
      labels,
    });
    if (status >= 500) log.warn('request', fields);
    else log.info('request', fields);
  } catch {
    // Never let the access line fail a request that has been answered.
  }
}
