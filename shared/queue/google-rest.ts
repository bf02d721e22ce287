/**
 * What the REST clients of Google APIs here share (Pub/Sub `topics.publish`, Cloud Tasks
 * `tasks.create`): Google's error body read into the gRPC status code the client libraries reported,
 * and Application Default Credentials for the bearer token.
 *
 * The token comes from google-auth-library, the copy the Firestore client authenticates with (one
 * bundled file for both in the deployed functions, scripts/build-functions.ts), so a function that
 * has used Firestore loads nothing more to call these APIs.
 */

/** gRPC status codes by their names in Google's JSON error body (`error.status`). */
const GRPC_CODE_OF_STATUS: Record<string, number> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};
export const GRPC = { NOT_FOUND: 5, ALREADY_EXISTS: 6, UNAVAILABLE: 14 } as const;

/** Google's JSON error body (`{"error":{"code","message","status"}}`): its gRPC code and text. */
export function googleError(text: string): { code: number | undefined; status: string; message: string } {
  let error: { message?: unknown; status?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { message?: unknown; status?: unknown } }).error;
  } catch {
    error = undefined;
  }
  const status = typeof error?.status === 'string' ? error.status : '';
  return { code: GRPC_CODE_OF_STATUS[status], status, message: typeof error?.message === 'string' ? error.message : '' };
}

/** Application Default Credentials (the function's service account) for `scope`, loaded on first use. */
export function applicationDefaultToken(scope: string): () => Promise<string | undefined> {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [scope] }));
    auth.catch(() => {
      auth = undefined;
    });
    return (await (await auth).getAccessToken()) ?? undefined;
  };
}

/**
 * One JSON call to a Google REST API with the bearer token of `accessToken` (none: no header): the HTTP
 * status and the body's text. A call that got no answer (network, timeout) throws what fetch threw.
 */
export async function callGoogleApi(
  fetchImpl: typeof fetch,
  accessToken: () => Promise<string | undefined>,
  url: string,
  method: 'POST' | 'PUT',
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const token = await accessToken();
  const res = await fetchImpl(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, text: await res.text() };
}
