/** Provider accounts (admin): the tenant's own accounts, verified on add and rotate, secrets masked. */
import { useState } from 'preact/hooks';
import { fieldError, run, type Body, type Input } from '../client';
import { useApp } from '../context';
import { ConfirmDialog } from '../ui/dialog';
import { CheckboxField, SelectField, TextField } from '../ui/fields';
import { Loading, Notice, ProblemBanner } from '../ui/feedback';
import { useAction, useLoad } from '../ui/hooks';

type Account = Body<'/v1/provider-accounts', 'get'>['data'][number];
type NewAccount = Input<'/v1/provider-accounts', 'post'>;

/** Each provider's credential fields: [name, label, secret?]. */
export const CREDENTIAL_FIELDS = {
  twilio: [['accountSid', 'Account SID', false], ['authToken', 'Auth token', true]],
  plivo: [['authId', 'Auth ID', false], ['authToken', 'Auth token', true]],
  vonage: [['apiKey', 'API key', false], ['apiSecret', 'API secret', true]],
  telnyx: [['apiKey', 'API key', true]],
} as const;
type Provider = keyof typeof CREDENTIAL_FIELDS;

export function AccountsScreen() {
  const { api } = useApp();
  const list = useLoad(() => run(api.GET('/v1/provider-accounts', { params: { query: { limit: 100 } } })), []);
  const [notice, setNotice] = useState<string>();
  const [rotating, setRotating] = useState<Account>();
  const [removing, setRemoving] = useState<Account>();
  const row = useAction();
  const done = (message: string) => {
    setNotice(message);
    list.reload();
  };
  const makeDefault = async (a: Account) => {
    const r = await row.act(() => run(api.PATCH('/v1/provider-accounts/{id}', { params: { path: { id: a.id } }, body: { isDefault: true } })));
    if (r?.ok) done(`${a.label ?? a.id} is now the default ${a.provider} account.`);
  };
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Provider accounts
      </h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <ProblemBanner problem={list.problem ?? row.problem} />
      {list.loading && !list.data ? <Loading what="accounts" /> : null}
      {list.data ? (
        <table class="grid" aria-label="Provider accounts">
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Provider</th>
              <th scope="col">Credentials</th>
              <th scope="col">Verified</th>
              <th scope="col">Default</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((a) => (
              <tr key={a.id}>
                <td>{a.label ?? a.id}</td>
                <td>{a.provider}</td>
                <td class="mono">{Object.entries(a.credentials).map(([k, v]) => `${k}: ${v}`).join(' · ')}</td>
                <td>{new Date(a.credentialsRotatedAt ?? a.verifiedAt).toLocaleString()}</td>
                <td>{a.isDefault ? 'Default' : '—'}</td>
                <td class="row-actions">
                  {!a.isDefault ? (
                    <button type="button" class="secondary" disabled={row.busy} onClick={() => void makeDefault(a)} aria-label={`Make ${a.label ?? a.id} the default`}>
                      Make default
                    </button>
                  ) : null}
                  <button type="button" class="secondary" onClick={() => setRotating(a)} aria-label={`Rotate credentials of ${a.label ?? a.id}`}>
                    Rotate…
                  </button>
                  <button type="button" class="danger" onClick={() => setRemoving(a)} aria-label={`Remove ${a.label ?? a.id}`}>
                    Remove…
                  </button>
                </td>
              </tr>
            ))}
            {list.data.data.length === 0 ? (
              <tr>
                <td colSpan={6}>No accounts yet: numbers are bought on the platform's accounts.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ) : null}
      <AddAccount onAdded={(a) => done(`${a.label ?? a.id} added and verified with ${a.provider}.`)} />
      {rotating ? <Rotate account={rotating} onClose={() => setRotating(undefined)} onDone={() => { setRotating(undefined); done('Credentials rotated and verified.'); }} /> : null}
      {removing ? <Remove account={removing} onClose={() => setRemoving(undefined)} onDone={(m) => { setRemoving(undefined); done(m); }} /> : null}
    </section>
  );
}

function CredentialInputs(props: { provider: Provider; values: Record<string, string>; onValue(k: string, v: string): void; problem: ReturnType<typeof useAction>['problem']; prefix: string }) {
  return (
    <>
      {CREDENTIAL_FIELDS[props.provider].map(([name, label, secret]) => (
        <TextField key={name} label={label} name={`${props.prefix}-${name}`} type={secret ? 'password' : 'text'} autoComplete="off"
          value={props.values[name] ?? ''} onValue={(v) => props.onValue(name, v)} error={fieldError(props.problem, `credentials.${name}`)} />
      ))}
    </>
  );
}

function AddAccount({ onAdded }: { onAdded(a: Account): void }) {
  const { api } = useApp();
  const [provider, setProvider] = useState<Provider>('twilio');
  const [label, setLabel] = useState('');
  const [isDefault, setDefault] = useState(true);
  const [creds, setCreds] = useState<Record<string, string>>({});
  const { busy, problem, act } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { provider, credentials: creds, ...(label ? { label } : {}), isDefault } as NewAccount;
    const r = await act(() => run(api.POST('/v1/provider-accounts', { body })));
    if (r?.ok) {
      setCreds({});
      setLabel('');
      onAdded(r.data);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-account-title" noValidate>
      <h2 id="add-account-title">Add an account</h2>
      <ProblemBanner problem={problem} title="Not added" />
      <div class="grid2">
        <SelectField label="Provider" name="acct-provider" value={provider} onValue={(v) => { setProvider(v as Provider); setCreds({}); }}
          options={[['twilio', 'Twilio'], ['plivo', 'Plivo'], ['vonage', 'Vonage'], ['telnyx', 'Telnyx']]} />
        <TextField label="Label" name="acct-label" value={label} onValue={setLabel} error={fieldError(problem, 'label')} />
        <CredentialInputs provider={provider} values={creds} onValue={(k, v) => setCreds({ ...creds, [k]: v })} problem={problem} prefix="acct" />
      </div>
      <CheckboxField label="Default account for this provider" name="acct-default" checked={isDefault} onChecked={setDefault} />
      <button type="submit" disabled={busy}>
        {busy ? 'Verifying…' : 'Add and verify'}
      </button>
    </form>
  );
}

function Rotate({ account, onClose, onDone }: { account: Account; onClose(): void; onDone(): void }) {
  const { api } = useApp();
  const provider = account.provider as Provider;
  const [creds, setCreds] = useState<Record<string, string>>({});
  const { busy, problem, act } = useAction();
  const send = async () => {
    const credentials = Object.fromEntries(Object.entries(creds).filter(([, v]) => v));
    const r = await act(() => run(api.PATCH('/v1/provider-accounts/{id}', { params: { path: { id: account.id } }, body: { credentials } })));
    if (r?.ok) onDone();
  };
  return (
    <ConfirmDialog title={`Rotate ${account.label ?? account.id}`} confirmLabel="Verify and rotate" busy={busy} onConfirm={() => void send()} onCancel={onClose}>
      <p>Enter the new secret (or the whole set). The provider checks it before it replaces the stored one.</p>
      <ProblemBanner problem={problem} title="Not rotated" />
      {CREDENTIAL_FIELDS[provider] ? <CredentialInputs provider={provider} values={creds} onValue={(k, v) => setCreds({ ...creds, [k]: v })} problem={problem} prefix="rotate" /> : null}
    </ConfirmDialog>
  );
}

function Remove({ account, onClose, onDone }: { account: Account; onClose(): void; onDone(message: string): void }) {
  const { api } = useApp();
  const [force, setForce] = useState(false);
  const { busy, problem, act } = useAction();
  const send = async () => {
    const r = await act(() => run(api.DELETE('/v1/provider-accounts/{id}', { params: { path: { id: account.id }, query: force ? { force: 'true' } : {} } })));
    if (r?.ok) onDone(`${account.label ?? account.id} removed${r.data.detachedNumbers ? `; ${r.data.detachedNumbers} numbers left detached` : ''}.`);
  };
  return (
    <ConfirmDialog title={`Remove ${account.label ?? account.id}?`} confirmLabel="Remove account" danger busy={busy} onConfirm={() => void send()} onCancel={onClose}>
      <p>Its secret is deleted. Numbers bought on it stay at {account.provider}.</p>
      <ProblemBanner problem={problem} title="Not removed" />
      {problem?.status === 409 ? <CheckboxField label="Remove anyway: leave its numbers detached" name="remove-force" checked={force} onChecked={setForce} /> : null}
    </ConfirmDialog>
  );
}
