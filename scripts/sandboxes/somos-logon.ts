/**
 * The Somos sandbox's logon rules (somos.ts calls these from session/open):
 * - Lockout (G: that the registry locks at `permRecord.maxLogonAttempts`, 5 in every public sample,
 *   consecutive failures): after that many wrong passwords in a row the user is LOCKED; a locked user
 *   is refused (401, its own code) even with the right password until an unlock (a Somos Help Desk
 *   action in reality; here POST /__sandbox/users/{username}/unlock). A good logon resets the count.
 * - forceFlag (G: one unofficial doc): 'Y' ends the user's open session and opens a new one, with no
 *   701003 round trip; 'N' or absent changes nothing; anything else is a 400.
 */

export const DEFAULT_MAX_LOGON_ATTEMPTS = 5;
/** G: the sandbox's codes. */
export const LOGON_CODES = { userLocked: '701006', badForceFlag: '700001' } as const;

export interface LogonState {
  logonFailures?: Record<string, number>;
  /** username → when it was locked (ISO). */
  lockedUsers?: Record<string, string>;
}

export interface LogonHost {
  now(): number;
  state: LogonState;
  maxLogonAttempts: number;
  fail(status: number, code: string, message: string): never;
}

export interface UserLogonStatus {
  username: string;
  locked: boolean;
  lockedAt?: string;
  consecutiveFailures: number;
  maxLogonAttempts: number;
}

/** Refuses a locked user before the password is even looked at. */
export function refuseIfLocked(host: LogonHost, username: string): void {
  if (host.state.lockedUsers?.[username]) {
    host.fail(401, LOGON_CODES.userLocked, 'User ID is locked after too many failed logon attempts. Contact the Somos Help Desk to unlock it.');
  }
}

/** Counts a wrong password; locks the user at maxLogonAttempts. */
export function recordBadPassword(host: LogonHost, username: string): void {
  const failures = (host.state.logonFailures ??= {});
  failures[username] = (failures[username] ?? 0) + 1;
  if (failures[username] >= host.maxLogonAttempts) (host.state.lockedUsers ??= {})[username] = new Date(host.now()).toISOString();
}

export function recordGoodLogon(host: LogonHost, username: string): void {
  if (host.state.logonFailures) delete host.state.logonFailures[username];
}

export function userLogonStatus(host: LogonHost, username: string): UserLogonStatus {
  const lockedAt = host.state.lockedUsers?.[username];
  return {
    username,
    locked: Boolean(lockedAt),
    ...(lockedAt ? { lockedAt } : {}),
    consecutiveFailures: host.state.logonFailures?.[username] ?? 0,
    maxLogonAttempts: host.maxLogonAttempts,
  };
}

/** The Help Desk's unlock: the user may log on again and its failure count starts over. */
export function unlockUser(host: LogonHost, username: string): UserLogonStatus {
  if (host.state.lockedUsers) delete host.state.lockedUsers[username];
  if (host.state.logonFailures) delete host.state.logonFailures[username];
  return userLogonStatus(host, username);
}

/** 'Y' | 'N' | undefined; 400 for anything else. */
export function forceFlagOf(host: LogonHost, body: Record<string, unknown>): 'Y' | 'N' | undefined {
  const flag = body.forceFlag;
  if (flag === undefined) return undefined;
  if (flag !== 'Y' && flag !== 'N') host.fail(400, LOGON_CODES.badForceFlag, "forceFlag: must be 'Y' or 'N'");
  return flag;
}
