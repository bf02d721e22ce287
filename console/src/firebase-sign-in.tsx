/** Firebase Auth sign-in (email and password). The tenant and role come from the user's custom claims. */
import { useEffect, useState } from 'preact/hooks';
import { initializeApp, type FirebaseApp } from 'firebase/app';
import { getAuth, onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from 'firebase/auth';
import { readClaims, type Session } from './session';
import type { SignInProps } from './sign-in';
import { TextField } from './ui/fields';

let app: FirebaseApp | undefined;

export default function FirebaseSignIn({ config, onSignedIn, onSignedOut }: SignInProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const auth = getAuth((app ??= initializeApp(config.firebase!)));
  const sessionOf = async (user: User): Promise<Session> => {
    const claims = readClaims(await user.getIdToken());
    if (!claims) throw new Error('This account has no tenant or role yet: ask an admin to grant access');
    return {
      ...claims,
      token: () => user.getIdToken(),
      signOut: async () => {
        await signOut(auth);
        onSignedOut();
      },
    };
  };
  // A returning user (Firebase keeps the sign-in in IndexedDB) goes straight in.
  useEffect(
    () =>
      onAuthStateChanged(auth, (user) => {
        if (user) void sessionOf(user).then(onSignedIn, (err: unknown) => setError(String(err)));
      }),
    [],
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { user } = await signInWithEmailAndPassword(auth, email, password);
      onSignedIn(await sessionOf(user));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <TextField label="Email" name="email" type="email" value={email} onValue={setEmail} required autoComplete="username" />
      <TextField label="Password" name="password" type="password" value={password} onValue={setPassword} required autoComplete="current-password" error={error} />
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
