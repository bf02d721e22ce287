/**
 * Runtime settings, read from /config.json next to index.html: one build serves every environment.
 * Deployed, the deploy step writes it (apiBaseUrl = the API gateway, firebase = the web app's config);
 * the dev stack serves its own (apiBaseUrl = the local gateway, devSignIn = where it mints dev tokens).
 */
export interface ConsoleConfig {
  apiBaseUrl: string;
  firebase?: { apiKey: string; authDomain: string; projectId: string; appId?: string };
  /** Local stack only, and only honoured by a `devstack` build. */
  devSignIn?: { tokenUrl: string };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json answered ${res.status}`);
  const config = (await res.json()) as ConsoleConfig;
  if (typeof config.apiBaseUrl !== 'string') throw new Error('config.json lacks apiBaseUrl');
  return { ...config, apiBaseUrl: config.apiBaseUrl.replace(/\/$/, '') };
}
