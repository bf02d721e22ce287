import type { Request, Response } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { pathMatcher, type AnyEndpoint as Endpoint, type BaseOperationInput, type OperationResult } from '../api/endpoint.js';
import { bearerToken, callerAuthorization, type Caller } from '../auth/verify-token.js';
import type { TaskCaller } from '../auth/verify-task.js';
import { taskTarget } from '../api/task-targets.js';
import type { Deps } from '../deps.js';
import { logger, type Logger } from '../log.js';
import { runInScope, traceLogFields, type RequestScope } from '../trace.js';
import { defaultLimits, readLimits, takeRequestSlot } from '../domain/limits.js';
import { fingerprint, IDEMPOTENCY_KEY } from '../store/idempotency-store.js';
import { AppError, envelope } from './errors.js';
import { fromProviderError, isProviderError } from './provider-errors.js';
import { inputIssues } from './input-checks.js';
import { logAccess, requestScope } from './access-log.js';
import { allowedOrigin, isPreflight, setCorsHeaders, setPreflightHeaders } from './cors.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const REQUEST_ID = /^[\w.-]{8,128}$/;

export type HttpFunction = (req: Request, res: Response) => Promise<void>;
/** Any row's operation input: its access decides which of caller and task it has. */
type AnyOperationInput = BaseOperationInput<unknown, unknown, unknown> & { caller?: Caller; task?: TaskCaller };

/** A tenant's per-caller request limit, cached for a minute (one Firestore read per tenant per minute). */
const rpmCache = new Map<string, { value: number; at: number }>();
async function requestsPerMinute(deps: Deps, tenantId: string): Promise<number> {
  const cached = rpmCache.get(tenantId);
  if (cached && Date.now() - cached.at < 60_000) return cached.value;
  const limits = await readLimits(await deps.db(), tenantId, defaultLimits(deps.config));
  rpmCache.set(tenantId, { value: limits.requestsPerMinute, at: Date.now() });
  return limits.requestsPerMinute;
}

/**
 * The edge of every HTTPS function: request id → route → auth → validation →
 * idempotency → operation → response, with every failure in the one envelope.
 */
export function createHttpFunction(
  endpoint: Endpoint,
  getDeps: () => Deps,
  /** Every method the endpoint table serves at this endpoint's path (the 405's Allow header); default: its own. */
  allowedMethods: readonly string[] = [endpoint.method],
): HttpFunction {
  const allow = allowHeader(allowedMethods);
  /** Browsers may call it (CORS); webhooks and task targets are called by providers and Google only. */
  const browserFacing = endpoint.access !== 'task' && endpoint.access !== 'webhook';
  // A deployed function receives only its own requests: the path matters only for its parameters.
  const matchPath = endpoint.path.includes('{') ? pathMatcher(endpoint.path) : () => ({});
  return (req, res) => {
    // Every line logged while this request is served carries its trace; tasks and messages it
    // enqueues carry it on (a task's request continues the trace it brings: shared/trace.ts).
    const scope = requestScope(req, endpoint.name);
    return runInScope(scope, () => serve(req, res, scope));
  };

  async function serve(req: Request, res: Response, scope: RequestScope): Promise<void> {
    const started = performance.now();
    const header = req.get('x-request-id');
    const requestId = header && REQUEST_ID.test(header) ? header : randomUUID();
    res.set('x-request-id', requestId);
    res.set('cache-control', 'no-store');
    let log: Logger | undefined;
    let idempotency: { tenantId: string; key: string } | undefined;
    let deps: Deps | undefined;
    let tenant: string | undefined;
    try {
      deps = getDeps();
      scope.project = deps.config.GOOGLE_CLOUD_PROJECT;
      log = deps.log.child({ requestId, function: endpoint.name, ...traceLogFields(scope.trace, scope.project) });
      if (browserFacing && deps.config.CORS_ORIGINS.length) {
        // CORS (./cors.ts): an allowed origin's preflight is answered here, before auth (it carries no
        // token); its other requests' answers, errors too, carry the headers a browser needs to read them.
        res.set('vary', 'Origin');
        const origin = allowedOrigin(req.get('origin'), deps.config.CORS_ORIGINS);
        if (isPreflight(req.method, req.get('access-control-request-method'))) {
          if (origin) setPreflightHeaders((name, value) => res.set(name, value), origin, allowedMethods);
          res.status(204).end();
          return;
        }
        if (origin) setCorsHeaders((name, value) => res.set(name, value), origin);
      }
      if (req.method !== endpoint.method && !(req.method === 'HEAD' && endpoint.method === 'GET')) {
        res.set('allow', allow);
        throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}`);
      }
      const rawParams = matchPath(req.path);
      if (!rawParams) throw new AppError('NOT_FOUND', `No endpoint at ${req.path}`);
      // A caller's or a task's request reads Firestore (its rate limit, then its operation): the client
      // and the operation's module start loading now, while the token is verified (WebCrypto works off
      // the main thread; in production a first verification also fetches the signing keys). Nothing runs
      // before the checks below; a load that fails fails where it is awaited, as before.
      const early = endpoint.access === 'public' || endpoint.access === 'webhook' ? undefined : { operation: endpoint.operation(), db: deps.db() };
      early?.operation.catch(() => undefined);
      early?.db.catch(() => undefined);

      let caller: Caller | undefined;
      let task: TaskCaller | undefined;
      if (endpoint.access === 'task') {
        const { audience } = taskTarget(deps.config, endpoint);
        const verified = await deps.verifyTask(bearerToken(req.get('authorization') ?? undefined), audience);
        task = {
          ...verified,
          retryCount: Number(req.get('x-cloudtasks-taskretrycount') ?? 0),
          ...(req.get('x-cloudtasks-queuename') ? { queue: req.get('x-cloudtasks-queuename')! } : {}),
          ...(req.get('x-cloudtasks-taskname') ? { taskName: req.get('x-cloudtasks-taskname')! } : {}),
        };
        log = log.child({ task: task.taskName, retryCount: task.retryCount });
      } else if (endpoint.access !== 'public' && endpoint.access !== 'webhook') {
        // Through API Gateway (production) the caller's token is in X-Forwarded-Authorization (verify-token.ts).
        caller = await deps.verifyToken(bearerToken(callerAuthorization((name) => req.get(name) ?? undefined, deps.config.authViaGateway)));
        if (endpoint.access === 'admin' && caller.role !== 'admin') {
          throw new AppError('FORBIDDEN', 'This operation needs the admin role');
        }
        log = log.child({ tenantId: caller.tenantId, uid: caller.uid });
        tenant = caller.tenantId;
        takeRequestSlot(`${caller.tenantId}:${caller.uid}`, await requestsPerMinute(deps, caller.tenantId));
      }

      const params = validate('path', endpoint.params, rawParams);
      const query = validate('query', endpoint.query, req.query ?? {});
      const raw = rawRequest(req, endpoint);
      const body = endpoint.body ? validate('body', endpoint.body, readBody(req, endpoint, raw)) : undefined;
      // A task's tenant is in its body (job items, follow-ups, deliveries).
      const bodyTenant = (body as { tenantId?: unknown } | undefined)?.tenantId;
      if (!tenant && typeof bodyTenant === 'string') tenant = bodyTenant;
      if (caller && endpoint.roleByBodyField) assertRoleForBody(endpoint.roleByBodyField, body, caller);

      const key = req.get('idempotency-key');
      if (key !== undefined && endpoint.idempotent && caller) {
        if (!IDEMPOTENCY_KEY.test(key)) {
          throw new AppError('VALIDATION_ERROR', 'Idempotency-Key must be 1-255 visible ASCII characters', {
            issues: [{ path: 'header.Idempotency-Key', message: 'invalid format' }],
          });
        }
        const began = await deps.idempotency.begin(
          caller.tenantId,
          key,
          fingerprint([endpoint.name, params, body ?? null]),
          deps.config.PURCHASE_LEASE_SECONDS * 1000,
          deps.now(),
        );
        if (began.kind === 'replay') {
          res.set('idempotent-replayed', 'true');
          send(res, began.response.status, began.response.body);
          return;
        }
        idempotency = { tenantId: caller.tenantId, key };
      }

      // Who called, as far as verified above and as the row's access types its operation's input
      // (shared/api/endpoint.ts OperationFactoryFor): member and admin endpoints get `caller`, task
      // endpoints `task` (never a caller: a task's tenant is in its body), webhooks and public ones neither.
      const factory = (await (early?.operation ?? endpoint.operation())).default as (deps: Deps) => (input: AnyOperationInput) => Promise<OperationResult<unknown>>;
      const result = await factory(deps)({
        params,
        query,
        body,
        ...(caller ? { caller } : {}),
        ...(task ? { task } : {}),
        raw,
        requestId,
        log,
        ...(idempotency ? { idempotencyKey: idempotency.key } : {}),
      });
      const status = result.status ?? endpoint.successStatus;
      if (deps.config.PLATFORM_ENV !== 'production') assertResponseShape(endpoint, result.body, log);
      if (idempotency) await deps.idempotency.complete(idempotency.tenantId, idempotency.key, { status, body: result.body });
      for (const [name, value] of Object.entries(result.headers ?? {})) res.set(name, value);
      if (result.rawResponse) {
        res.status(status).type(result.rawResponse.contentType).send(result.rawResponse.body);
        return;
      }
      send(res, status, result.body);
    } catch (err) {
      const appError = toAppError(err, log, requestId);
      if (idempotency && deps) {
        // Permanent answers are replayed. Transient ones free the key so a retry runs again, and so does
        // input we refused (our own checks come before anything is done: the corrected request may carry
        // the same key, as on Stripe). A provider's refusal is replayed: it may follow earlier steps.
        const transient = appError.status >= 500 || appError.status === 429 || appError.details?.retryable === true;
        const refusedInput = appError.code === 'VALIDATION_ERROR' && !appError.fromProvider;
        await (transient || refusedInput
          ? deps.idempotency.abandon(idempotency.tenantId, idempotency.key)
          : deps.idempotency.complete(idempotency.tenantId, idempotency.key, {
              status: appError.status,
              body: envelope(appError, requestId),
            })
        ).catch((e) => log?.error('could not record idempotent outcome', { err: e }));
      }
      if (appError.retryAfterSeconds !== undefined) res.set('retry-after', String(appError.retryAfterSeconds));
      send(res, appError.status, envelope(appError, requestId));
    } finally {
      logAccess(log ?? logger.child({ requestId, function: endpoint.name }), req, res, started, { function: endpoint.name, tenant });
    }
  }
}

/** The Allow header of a path's methods: each once, HEAD with GET, in a stable order. */
export function allowHeader(methods: readonly string[]): string {
  const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const all = new Set(methods.map((m) => m.toUpperCase()));
  if (all.has('GET')) all.add('HEAD');
  return [...all].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(', ');
}

function send(res: Response, status: number, body: unknown): void {
  if (status === 204) {
    res.status(204).end();
    return;
  }
  res.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/** The body exactly as received (webhook signatures, uploads), within the endpoint's size limit. */
function rawRequest(req: Request, endpoint: Endpoint) {
  const body = req.rawBody ?? Buffer.alloc(0);
  const limit = endpoint.maxBodyBytes ?? MAX_BODY_BYTES;
  if (Math.max(body.length, Number(req.get('content-length') ?? 0)) > limit) {
    throw new AppError('PAYLOAD_TOO_LARGE', `Request body is too large (limit ${Math.round(limit / 1024 / 1024)} MB)`);
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { body, headers, url: req.originalUrl ?? req.url, ...(req.get('content-type') ? { contentType: req.get('content-type')! } : {}) };
}

function readBody(req: Request, endpoint: Endpoint, raw: { body: Buffer }): unknown {
  if (!raw.body.length) {
    if (endpoint.bodyRequired) throw new AppError('VALIDATION_ERROR', 'A JSON request body is required');
    return {};
  }
  if (endpoint.rawBodyTypes?.some((type) => req.is(type))) return {}; // the operation parses raw itself
  if (!req.is('application/json')) {
    const accepted = ['application/json', ...(endpoint.rawBodyTypes ?? [])].join(' or ');
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Request bodies must be ${accepted}`);
  }
  return req.body;
}

/** A role that depends on the request (e.g. a bulk job's type): 403 before anything is written. */
function assertRoleForBody(rule: NonNullable<Endpoint['roleByBodyField']>, body: unknown, caller: Caller): void {
  const value = (body as Record<string, unknown> | undefined)?.[rule.field];
  if (typeof value !== 'string') return;
  const needed = rule.roles()[value];
  if (needed === 'admin' && caller.role !== 'admin') {
    throw new AppError('FORBIDDEN', `This operation needs the admin role when ${rule.field} is "${value}"`, { [rule.field]: value, requiredRole: needed });
  }
}

/**
 * Every input an operation gets passes here: first the checks no schema expresses (well-formed
 * Unicode in every string and key, a bounded nesting depth: ./input-checks.ts), then its schema.
 * Headers need no such check: Node reads header bytes as latin1, which holds no surrogates, and
 * the ones used (Idempotency-Key, X-Request-Id) are held to visible ASCII.
 */
function validate(where: 'path' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): unknown {
  if (!schema) return where === 'body' ? undefined : {};
  const unfit = inputIssues(value, where);
  if (unfit.length) invalid(unfit);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  invalid(
    parsed.error.issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  );
}

function invalid(issues: { path: string; message: string }[]): never {
  const first = issues[0]!;
  throw new AppError('VALIDATION_ERROR', `Invalid ${first.path}: ${first.message}`, { issues });
}

function toAppError(err: unknown, log: Logger | undefined, requestId: string): AppError {
  if (err instanceof AppError) {
    if (err.status >= 500) log?.error(err.message, { code: err.code, details: err.details });
    return err;
  }
  if (isProviderError(err)) {
    log?.warn('provider error', { provider: err.provider, ...err.info, message: err.message });
    return fromProviderError(err);
  }
  const grpcCode = (err as { code?: unknown }).code;
  if (grpcCode === 10 || grpcCode === 4 || grpcCode === 14) {
    // Firestore contention or a passing outage: worth a retry, not an internal error.
    (log ?? logger).warn('transient datastore failure', { requestId, grpcCode });
    return new AppError('SERVICE_UNAVAILABLE', 'The service is briefly busy; retry shortly', { retryable: true }, 2);
  }
  (log ?? logger).error('unhandled error', { requestId, err });
  return new AppError('INTERNAL', 'Internal error; quote the requestId when reporting this');
}

function assertResponseShape(endpoint: Endpoint, body: unknown, log: Logger): void {
  const parsed = endpoint.response.safeParse(body);
  if (!parsed.success) {
    log.error('response does not match the endpoint schema', { endpoint: endpoint.name, issues: parsed.error.issues });
    throw new AppError('INTERNAL', 'Response did not match its documented schema');
  }
}
