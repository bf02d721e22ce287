/** Who is signed in: a bearer token source plus the tenant and role from the token's claims. */
export type Role = 'admin' | 'member';

export interface Session {
  tenantId: string;
  role: Role;
  uid: string;
  /** A current ID token (Firebase refreshes its own; a dev token lasts an hour). */
  token(): Promise<string>;
  signOut(): Promise<void>;
}

export interface Claims {
  tenantId: string;
  role: Role;
  uid: string;
  exp: number;
}

/** The claims the API reads (tenantId, role); the API verifies the signature, the console only displays them. */
export function readClaims(jwt: string): Claims | undefined {
  try {
    const payload = jwt.split('.')[1] ?? '';
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    const role = json.role === 'admin' || json.role === 'member' ? json.role : undefined;
    if (typeof json.tenantId !== 'string' || !role || typeof json.exp !== 'number') return undefined;
    return { tenantId: json.tenantId, role, uid: String(json.sub ?? json.user_id ?? ''), exp: json.exp };
  } catch {
    return undefined;
  }
}

const STORE_KEY = 'numbers-console.token';

/** A session over a fixed token (dev sign-in), kept for the tab's life so a reload stays signed in. */
export function tokenSession(jwt: string, onSignOut: () => void): Session | undefined {
  const claims = readClaims(jwt);
  if (!claims || claims.exp * 1000 <= Date.now()) return undefined;
  sessionStorage.setItem(STORE_KEY, jwt);
  return {
    ...claims,
    token: async () => jwt,
    signOut: async () => {
      sessionStorage.removeItem(STORE_KEY);
      onSignOut();
    },
  };
}

export function restoreTokenSession(onSignOut: () => void): Session | undefined {
  const stored = sessionStorage.getItem(STORE_KEY);
  const session = stored ? tokenSession(stored, onSignOut) : undefined;
  if (!session) sessionStorage.removeItem(STORE_KEY);
  return session;
}
