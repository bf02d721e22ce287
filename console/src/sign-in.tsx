/**
 * Sign-in. Deployed: Firebase Auth (email and password; the SDK is loaded only on this screen). The
 * dev stack's sign-in (tenant + role → a token the stack mints) exists only in a `devstack` build.
 */
import { lazy, Suspense } from 'preact/compat';
import type { ConsoleConfig } from './config';
import type { Session } from './session';

export interface SignInProps {
  config: ConsoleConfig;
  expired: boolean;
  onSignedIn(session: Session): void;
  onSignedOut(): void;
}

const DevSignIn = __DEV_SIGN_IN__ ? lazy(() => import('./dev-sign-in')) : undefined;
const FirebaseSignIn = lazy(() => import('./firebase-sign-in'));

export function SignIn(props: SignInProps) {
  const dev = DevSignIn && props.config.devSignIn;
  return (
    <main id="main" class="sign-in">
      <h1>Numbers console</h1>
      {props.expired ? (
        <p class="banner error" role="alert">
          Your session ended. Sign in again.
        </p>
      ) : null}
      <Suspense fallback={<p role="status">Loading sign-in…</p>}>
        {dev ? <DevSignIn {...props} /> : props.config.firebase ? <FirebaseSignIn {...props} /> : <p role="alert">No sign-in method is configured.</p>}
      </Suspense>
    </main>
  );
}
