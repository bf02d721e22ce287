/**
 * Somos session open (`POST /v3/ip/sec/session/open`), with the two ways past "already logged in":
 * - C:  701003 + top-level sessOverrideKey → repeat once with sessOverrideKey (G: the HTTP status of
 *       that answer; handled on 2xx and on error statuses alike).
 * - G:  `forceFlag: 'Y'` (one unofficial doc, the desk's spec: "Use forceFlag 'Y' or sessOverrideKey";
 *       assumed to end the user's other session and open a new one). Behind SOMOS_SESSION_FORCE_FLAG:
 *         off          never sent (default);
 *         on-conflict  sent on one more attempt when 701003 comes without a key, or still comes after it;
 *         always       sent on every open (no 701003 round trip expected).
 */
import type { Logger } from '../../log.js';
import type { ProviderHttp } from '../http.js';
import { ProviderError } from '../types.js';
import { ALREADY_LOGGED_IN_CODE, mapSomosError, parseErrList, sessionOverrideKey } from './errors.js';
import { stateFromSessionResponse } from './token-state.js';
import { SOMOS_SESSION_OPEN_PATH, type SomosPlatformCredentials, type SomosTokenState } from './token-types.js';

export const SESSION_FORCE_MODES = ['off', 'on-conflict', 'always'] as const;
export type SessionForceMode = (typeof SESSION_FORCE_MODES)[number];

export interface SessionOpenDeps {
  /** A client for one call; onErrorBody receives the error answer's body (it carries sessOverrideKey). */
  httpFor(secrets: readonly (string | undefined)[], onErrorBody: (body: unknown) => void): ProviderHttp;
  acceptVersion: string;
  forceFlag: SessionForceMode;
  log: Logger;
  now: () => number;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
}

type CallResult = { ok: true; body: unknown } | { ok: false; error: ProviderError; body: unknown };

async function sessionOpenCall(deps: SessionOpenDeps, body: Record<string, unknown>, secrets: (string | undefined)[]): Promise<CallResult> {
  let errorBody: unknown;
  // One client per call so the error body (which carries sessOverrideKey) is this call's.
  const http = deps.httpFor(secrets, (b) => {
    errorBody = b;
  });
  try {
    const res = await http.request({
      method: 'POST',
      path: SOMOS_SESSION_OPEN_PATH,
      json: body,
      headers: { 'accept-version': deps.acceptVersion },
      // Opening twice is not harmless (the second answers 701003): never auto-retried on 5xx.
      idempotent: false,
      operation: 'somos.session.open',
    });
    return { ok: true, body: res.body };
  } catch (err) {
    if (err instanceof ProviderError && err.info.httpStatus !== undefined) return { ok: false, error: err, body: errorBody };
    throw err;
  }
}

const alreadyLoggedIn = (body: unknown) => parseErrList(body)[0]?.errCode === ALREADY_LOGGED_IN_CODE;
const statusOf = (r: CallResult) => (r.ok ? 200 : r.error.info.httpStatus);

export async function openSession(deps: SessionOpenDeps, creds: SomosPlatformCredentials): Promise<SomosTokenState> {
  const secrets: (string | undefined)[] = [creds.password];
  const base: Record<string, unknown> = { usrName: creds.username, password: creds.password, withPerm: true };
  if (deps.forceFlag === 'always') base.forceFlag = 'Y';
  let result = await sessionOpenCall(deps, base, secrets);
  const overrideKey = sessionOverrideKey(result.body);
  if (overrideKey) {
    secrets.push(overrideKey);
    deps.log.info('somos.session_override', { httpStatus: statusOf(result) });
    result = await sessionOpenCall(deps, { ...base, sessOverrideKey: overrideKey }, secrets);
  }
  if (alreadyLoggedIn(result.body) && deps.forceFlag !== 'off' && base.forceFlag === undefined) {
    deps.log.info('somos.session_force', { httpStatus: statusOf(result), afterOverrideKey: Boolean(overrideKey) });
    result = await sessionOpenCall(deps, { ...base, forceFlag: 'Y' }, secrets);
  }
  if (alreadyLoggedIn(result.body)) {
    throw new ProviderError('somos', `Somos session open: still "already logged in"${overrideKey ? ' after sessOverrideKey' : ''}`, {
      providerCode: ALREADY_LOGGED_IN_CODE,
      retryable: false,
      kind: 'auth',
      ...(statusOf(result) !== undefined ? { httpStatus: statusOf(result)! } : {}),
    });
  }
  if (!result.ok) throw result.error;
  const errs = parseErrList(result.body);
  const b = result.body as Record<string, unknown> | undefined;
  if (errs.length > 0 && (!b || typeof b.oauthToken !== 'string')) {
    // A 2xx that only carries errors (C: errList shape) is a refusal.
    throw mapSomosError(401, result.body, {}, secrets);
  }
  return stateFromSessionResponse(result.body, deps.now(), {
    ...(deps.accessTtlSeconds !== undefined ? { accessTtlSeconds: deps.accessTtlSeconds } : {}),
    ...(deps.refreshTtlSeconds !== undefined ? { refreshTtlSeconds: deps.refreshTtlSeconds } : {}),
  });
}

/** The registry refused this login (credentials, locked or disabled user) — what the breaker counts. */
export function isLoginRejection(err: unknown): boolean {
  if (!(err instanceof ProviderError)) return false;
  if (err.info.providerCode === ALREADY_LOGGED_IN_CODE) return false;
  return err.info.kind === 'auth' || err.info.httpStatus === 401 || err.info.httpStatus === 403;
}
