import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './client';
import type { Session } from './session';

export interface AppContext {
  api: Api;
  session: Session;
  /** For the one call openapi-fetch cannot make with upload progress (document uploads, XHR). */
  apiBaseUrl: string;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useApp outside the signed-in shell');
  return ctx;
}

export const isAdmin = (session: Session) => session.role === 'admin';
