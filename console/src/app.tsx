/** The shell: sign-in gate, header (tenant, role, sign out), navigation and the current screen. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './client';
import type { ConsoleConfig } from './config';
import { Ctx } from './context';
import { Link, navigate, useLocation } from './router';
import { restoreTokenSession, type Session } from './session';
import { SignIn } from './sign-in';
import { screens } from './screens';

export function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined>(() => restoreTokenSession(() => setSession(undefined)));
  const [expired, setExpired] = useState(false);
  const api = useMemo(
    () =>
      session &&
      createApi(config.apiBaseUrl, () => session.token(), () => {
        setExpired(true);
        void session.signOut();
      }),
    [session, config.apiBaseUrl],
  );
  if (!session || !api) {
    return (
      <SignIn
        config={config}
        expired={expired}
        onSignedIn={(s) => {
          setExpired(false);
          setSession(s);
        }}
        onSignedOut={() => setSession(undefined)}
      />
    );
  }
  return (
    <Ctx.Provider value={{ api, session, apiBaseUrl: config.apiBaseUrl }}>
      <Shell session={session} />
    </Ctx.Provider>
  );
}

function Shell({ session }: { session: Session }) {
  const { path } = useLocation();
  const visible = screens.filter((s) => !s.adminOnly || session.role === 'admin');
  const current = screens.find((s) => path === s.path || path.startsWith(s.path + '/')) ?? undefined;
  useEffect(() => {
    if (path === '/' || !current) navigate('/numbers');
  }, [path, current]);
  useEffect(() => {
    document.title = `${current?.title ?? 'Console'} · Numbers console`;
    // Focus the new screen's heading so keyboard and screen-reader users land on it.
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [current]);
  const Screen = current?.component;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Numbers console</span>
        <span class="who" data-testid="who">
          Tenant <strong>{session.tenantId}</strong> · {session.role}
        </span>
        <button type="button" class="secondary" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </header>
      <div class="layout">
        <nav aria-label="Screens">
          <ul>
            {visible.map((s) => (
              <li key={s.path}>
                <Link href={s.path} aria-current={current?.path === s.path ? 'page' : undefined}>
                  {s.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main">{Screen ? <Screen /> : null}</main>
      </div>
    </>
  );
}
