/** Local stack only: choose a tenant and a role, the stack mints a token signed with its dev key. */
import { useState } from 'preact/hooks';
import { tokenSession } from './session';
import type { SignInProps } from './sign-in';
import { SelectField, TextField } from './ui/fields';

export default function DevSignIn({ config, onSignedIn, onSignedOut }: SignInProps) {
  const [tenantId, setTenant] = useState('demo');
  const [role, setRole] = useState('admin');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await fetch(config.devSignIn!.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantId, role }) });
      const body = (await res.json()) as { token?: string; error?: { message?: string } };
      const session = body.token ? tokenSession(body.token, onSignedOut) : undefined;
      if (!session) throw new Error(body.error?.message ?? `the stack answered ${res.status}`);
      onSignedIn(session);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="dev-sign-in-title">
      <h2 id="dev-sign-in-title">Dev sign-in (local stack)</h2>
      <TextField label="Tenant" name="dev-tenant" value={tenantId} onValue={setTenant} required pattern="[a-z0-9][a-z0-9_\-]{0,62}" error={error} autoComplete="off" />
      <SelectField label="Role" name="dev-role" value={role} onValue={setRole} options={[['admin', 'Admin'], ['member', 'Member']]} />
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
