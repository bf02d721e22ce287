import type { z } from 'zod';
import type { Caller, Role } from '../auth/verify-token.js';
import type { TaskCaller } from '../auth/verify-task.js';
import type { ErrorCode } from '../http/errors.js';
import type { Logger } from '../log.js';
import type { Deps } from '../deps.js';
import type { Need } from './iam.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/**
 * `task`: internal targets of Cloud Tasks / Cloud Scheduler, authenticated by the OIDC token.
 * `webhook`: provider callbacks; the operation verifies the provider's signature over the raw body.
 */
export type Access = 'public' | 'member' | 'admin' | 'task' | 'webhook';

/** What every operation gets, whoever calls it. */
export interface BaseOperationInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The body exactly as received and the request headers (webhook signatures, uploads). */
  raw: { body: Buffer; headers: Record<string, string | undefined>; contentType?: string; url: string };
  requestId: string;
  idempotencyKey?: string;
  log: Logger;
}

/** Member and admin endpoints: the verified end user, whose tenant the operation acts for. */
export interface OperationInput<P, Q, B> extends BaseOperationInput<P, Q, B> {
  caller: Caller;
}

/**
 * Task endpoints (Cloud Tasks, Cloud Scheduler): who dispatched the task (its OIDC identity, retry
 * count, queue). There is no end user and so no `caller`: a task's tenant is in its body, which the
 * task's own schema checks — an operation cannot take one from its caller by accident.
 */
export interface TaskOperationInput<P, Q, B> extends BaseOperationInput<P, Q, B> {
  task: TaskCaller;
}

/**
 * Provider webhooks (the operation verifies the provider's signature over `raw`) and public endpoints:
 * nobody the platform verified, no `caller`, no tenant but what the verified payload says.
 */
export type UnauthenticatedOperationInput<P, Q, B> = BaseOperationInput<P, Q, B>;

export interface OperationResult<R> {
  status?: number;
  body: R;
  headers?: Record<string, string>;
  /** Answer with this exact body instead of the JSON of `body` (e.g. TwiML for Twilio). */
  rawResponse?: { contentType: string; body: string };
}

export type Operation<P, Q, B, R> = (input: OperationInput<P, Q, B>) => Promise<OperationResult<R>>;
/** One file per operation, built as a factory over its dependencies: a member or admin endpoint's. */
export type OperationFactory<P = unknown, Q = unknown, B = unknown, R = unknown> = (deps: Deps) => Operation<P, Q, B, R>;
/** A task endpoint's operation (access 'task'): its input has `task`, never a `caller`. */
export type TaskOperationFactory<P = unknown, Q = unknown, B = unknown, R = unknown> = (deps: Deps) => (input: TaskOperationInput<P, Q, B>) => Promise<OperationResult<R>>;
/** A webhook's or public endpoint's operation (access 'webhook' or 'public'): no caller at all. */
export type UnauthenticatedOperationFactory<P = unknown, Q = unknown, B = unknown, R = unknown> = (
  deps: Deps,
) => (input: UnauthenticatedOperationInput<P, Q, B>) => Promise<OperationResult<R>>;

/** The operation a row of this access takes: its input says who called, as far as the handler verified it. */
export type OperationFactoryFor<A extends Access, P, Q, B, R> = A extends 'task'
  ? TaskOperationFactory<P, Q, B, R>
  : A extends 'webhook' | 'public'
    ? UnauthenticatedOperationFactory<P, Q, B, R>
    : OperationFactory<P, Q, B, R>;

export interface RuntimeOptions {
  memory?: '256Mi' | '512Mi' | '1Gi';
  timeoutSeconds?: number;
  minInstances?: number;
  maxInstances?: number;
}

/** A row of the endpoint table: one HTTPS endpoint = one deployed Cloud Function. */
export interface Endpoint<
  PS extends z.ZodType = z.ZodType,
  QS extends z.ZodType = z.ZodType,
  BS extends z.ZodType = z.ZodType,
  RS extends z.ZodType = z.ZodType,
  A extends Access = Access,
> {
  /** Function name: the functions-framework target and the deployed function's name. */
  name: string;
  method: HttpMethod;
  /** OpenAPI-style template, e.g. /v1/numbers/{id}. */
  path: string;
  access: A;
  /**
   * When the role also depends on what is asked (a bulk job's type): the body field that decides, and
   * the role each of its values needs (a value not listed needs `access` only). Checked once the body
   * is valid and before the Idempotency-Key is taken: a refusal writes nothing and is never replayed.
   * `roles` is read when needed, so it may be derived from the endpoint table itself.
   */
  roleByBodyField?: { field: string; roles: () => Readonly<Record<string, Role>> };
  summary: string;
  description?: string;
  tag: string;
  params?: PS;
  query?: QS;
  body?: BS;
  bodyRequired?: boolean;
  response: RS;
  successStatus: number;
  /** Accepts an Idempotency-Key header whose first result is replayed. */
  idempotent?: boolean;
  /** Largest accepted body (default 1 MB). */
  maxBodyBytes?: number;
  /** Body media types accepted besides JSON (e.g. multipart/form-data for uploads); the operation parses `raw`. */
  rawBodyTypes?: string[];
  /** Error codes the endpoint can answer with beyond the common ones. */
  errors: ErrorCode[];
  runtime?: RuntimeOptions;
  /**
   * What the deployed function may do besides Firestore (./iam.ts): its service account's roles. Every
   * row of the endpoint table states it ([] for Firestore only; test/unit/endpoint-table.test.ts).
   */
  needs?: Need[];
  operation: () => Promise<{ default: OperationFactoryFor<A, z.infer<PS>, z.infer<QS>, z.infer<BS>, z.infer<RS>> }>;
}

/**
 * A row's operation with its input erased: any row's operation is one (a function taking its own input
 * takes `never`), and only the HTTP handler calls it, with the input it parsed against the row's schemas.
 */
export type ErasedOperationFactory = (deps: Deps) => (input: never) => Promise<OperationResult<unknown>>;

/** A table row with its schema types erased (operations were checked against them in defineEndpoint). */
export type AnyEndpoint = Omit<Endpoint<z.ZodType, z.ZodType, z.ZodType, z.ZodType, Access>, 'operation'> & {
  operation: () => Promise<{ default: ErasedOperationFactory }>;
};

/**
 * A row as written (its types checked here). It returns its argument and does nothing else (rows mark its
 * calls pure). A row's fields are literals, arrow functions and schema constants: an expression such as
 * `5 * 1024 * 1024` or `taskEndpoints.jobItem.name` would make esbuild keep every row of its file, with
 * their schemas, in each function's bundle (test/unit/function-entries.test.ts checks one row per bundle).
 */
export function defineEndpoint<
  RS extends z.ZodType,
  PS extends z.ZodType = z.ZodObject<Record<string, never>>,
  QS extends z.ZodType = z.ZodObject<Record<string, never>>,
  BS extends z.ZodType = z.ZodUndefined,
  A extends Access = Access,
>(
  endpoint: Endpoint<PS, QS, BS, RS, A>,
  // NoInfer: a row written into a list of AnyEndpoint must not take its types (erased) from that list.
): NoInfer<Endpoint<PS, QS, BS, RS, A>> {
  return endpoint;
}

/**
 * Turns /v1/numbers/{id} into a matcher. Functions match a suffix (tolerating a
 * gateway's prefix); the local gateway matches the whole path (`anchored`).
 */
export function pathMatcher(template: string, anchored = false): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  const regex = new RegExp(`${anchored ? '^' : ''}${source}/?$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return undefined;
    const params: Record<string, string> = {};
    try {
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1]!);
      });
    } catch {
      return undefined; // malformed %-escape: no such path
    }
    return params;
  };
}

/**
 * The public form of a request's URL: its path from where the endpoint's path begins, with the query.
 * Behind API Gateway a function may see its route under a prefix (the backend address
 * .../<function>, path appended); what the caller — a provider signing the URL it called — used is
 * the endpoint's path on the public origin (PUBLIC_BASE_URL).
 */
export function publicPath(url: string, template: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);
  const wanted = template.split('/').filter(Boolean).length;
  const segments = path.split('/').filter(Boolean);
  if (segments.length <= wanted) return url;
  return `/${segments.slice(-wanted).join('/')}${path.endsWith('/') ? '/' : ''}${query}`;
}

/** A Pub/Sub-triggered function: the message's JSON data goes to the operation. */
export interface EventFunction {
  name: string;
  topic: string;
  /** Where Pub/Sub sends a message after maxDeliveryAttempts failed deliveries. */
  deadLetterTopic?: string;
  maxDeliveryAttempts?: number;
  /** Older messages are acknowledged and dropped (retrying them would do more harm than good). */
  maxAgeSeconds: number;
  summary: string;
  runtime?: RuntimeOptions;
  /** As for endpoints: what the function may do besides Firestore (./iam.ts). */
  needs?: Need[];
  operation: () => Promise<{ default: EventOperationFactory }>;
}

export type EventOperationFactory = (deps: Deps) => (input: { data: unknown; messageId: string; publishTime: string; log: Logger }) => Promise<void>;
