/** Registry requests the API answers 202 (pending): polled until they complete or fail. */
import { run, type Result } from '../client';
import type { useApp } from '../context';

type Api = ReturnType<typeof useApp>['api'];

/** A registry request answered 202: poll it until it completes (or fails). */
export async function settle<T>(api: Api, first: Result<T>): Promise<Result<T>> {
  let result = first;
  for (let i = 0; i < 60 && result.ok && (result.data as { status?: string; requestId?: string }).status === 'pending'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const id = (result.data as { requestId: string }).requestId;
    const polled = await run(api.GET('/v1/tollfree/requests/{id}', { params: { path: { id } } }));
    if (!polled.ok) return polled;
    const req = polled.data as { status: string; result?: T; error?: { message: string; code: string } };
    if (req.status === 'completed') return { ...polled, data: req.result as T };
    if (req.status === 'failed') return { ok: false, problem: { status: 502, code: req.error?.code ?? 'PROVIDER_ERROR', message: req.error?.message ?? 'The registry refused the request', fields: {} } };
  }
  return result;
}
