/** A small client for driving the gateway over real HTTP in integration tests. */

/**
 * One answer: its status, headers and body (parsed from JSON; the text when it is not JSON, undefined
 * when empty). `T` is what the test expects the body to be (the resources of api-types.ts, or
 * ErrorEnvelope): the client does not check it, the test's assertions do. Without one the body is
 * `unknown`.
 */
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** One problem of a 400 (and of some 404s and 409s): where, and what is wrong. */
export interface ValidationIssue {
  path: string;
  message: string;
  field?: string;
}

/**
 * error.details as the API sets them (shared/api/openapi/errors.ts: one schema per code). Details are
 * open objects: the fields tests read are typed, any other is there to be compared.
 */
export interface ErrorDetails {
  issues?: ValidationIssue[];
  invalidItems?: { index: number; issues: ValidationIssue[] }[];
  invalidCount?: number;
  reason?: string;
  status?: string;
  numberId?: string;
  accountId?: string;
  provider?: string;
  supportedFilters?: string[];
  rejections?: { requirementId: string; name: string; kind: string; reason?: string }[];
  [field: string]: unknown;
}

/** The error object of the one error envelope, {"error": {...}}. */
export interface ApiError {
  code: string;
  message: string;
  details?: ErrorDetails;
  requestId: string;
}

export interface ErrorEnvelope {
  error: ApiError;
}

export function apiClient(baseUrl: string, token?: string) {
  const call = async <T = unknown>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null } = {},
  ): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.token === null ? undefined : options.token ?? token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text: a non-JSON answer is itself a failure the test will show
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
  return {
    call,
    get: <T = unknown>(path: string, options?: Parameters<typeof call>[2]) => call<T>('GET', path, options),
    post: <T = unknown>(path: string, body?: unknown, options?: Parameters<typeof call>[2]) => call<T>('POST', path, { ...options, body }),
    patch: <T = unknown>(path: string, body?: unknown, options?: Parameters<typeof call>[2]) => call<T>('PATCH', path, { ...options, body }),
    delete: <T = unknown>(path: string, body?: unknown, options?: Parameters<typeof call>[2]) =>
      call<T>('DELETE', path, { ...options, ...(body !== undefined ? { body } : {}) }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

const isApiError = (value: unknown): value is ApiError =>
  isObject(value) &&
  typeof value.code === 'string' &&
  typeof value.message === 'string' &&
  typeof value.requestId === 'string' &&
  (value.details === undefined || isObject(value.details));

/** The error object of an answer that has the envelope (undefined when it has not). */
function errorOf(res: ApiResponse): ApiError | undefined {
  const error = isObject(res.body) ? res.body.error : undefined;
  return isApiError(error) ? error : undefined;
}

/** Asserts the one error envelope and returns its error object. */
export function expectEnvelope(res: ApiResponse, status: number, code: string): ApiError {
  const error = errorOf(res);
  if (res.status !== status || !error || error.code !== code) {
    throw new Error(`expected ${status} ${code} envelope, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (res.headers.get('x-request-id') !== error.requestId) throw new Error('x-request-id header does not match the envelope');
  return error;
}
