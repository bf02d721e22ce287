import type { OperationResult } from '../../../shared/api/endpoint.js';
import { isPendingAnswer } from '../services/requests.js';

/** A registry answer → the success status, or 202 with the job-like body when Somos is still working (its poll URL in Location). */
export function respond<T>(result: T, status?: number): OperationResult<T> {
  if (isPendingAnswer(result)) return { status: 202, body: result, headers: { location: result.poll } };
  return { ...(status !== undefined ? { status } : {}), body: result };
}
