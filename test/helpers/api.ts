/** A small client for driving the gateway over real HTTP in integration tests. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function apiClient(baseUrl: string, token?: string) {
  const call = async <T = any>(
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
    get: <T = any>(path: string, options?: Parameters<typeof call>[2]) => call<T>('GET', path, options),
    post: <T = any>(path: string, body?: unknown, options?: Parameters<typeof call>[2]) => call<T>('POST', path, { ...options, body }),
    patch: <T = any>(path: string, body?: unknown, options?: Parameters<typeof call>[2]) => call<T>('PATCH', path, { ...options, body }),
    delete: <T = any>(path: string, body?: unknown, options?: Parameters<typeof call>[2]) =>
      call<T>('DELETE', path, { ...options, ...(body !== undefined ? { body } : {}) }),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** Asserts the one error envelope and returns its error object. */
export function expectEnvelope(res: ApiResponse, status: number, code: string) {
  const error = res.body?.error;
  if (res.status !== status || !error || error.code !== code || typeof error.message !== 'string' || typeof error.requestId !== 'string') {
    throw new Error(`expected ${status} ${code} envelope, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (res.headers.get('x-request-id') !== error.requestId) throw new Error('x-request-id header does not match the envelope');
  return error as { code: string; message: string; details?: any; requestId: string };
}
