/**
 * Add phone number (VoxReach): import a number the tenant holds elsewhere into Vapi. Step 1 the
 * provider, step 2 its credentials (or a saved credential) and the number, step 3 an optional agent.
 */
import { useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run, type Input, type Problem } from '../client';
import { useApp } from '../context';
import { Link } from '../router';
import { SelectField, TextField } from '../ui/fields';
import { Notice, ProblemBanner } from '../ui/feedback';
import { useAction, useIdempotencyKeys, useLoad } from '../ui/hooks';
import { useAgents } from './directory-data';

type Kind = 'twilio' | 'vonage' | 'telnyx' | 'byo-sip-trunk' | 'vapi';
type Import = Extract<Input<'/v1/numbers', 'post'>, { provider: 'vapi' }>;

const KINDS: { kind: Kind; title: string; text: string }[] = [
  { kind: 'twilio', title: 'Twilio', text: 'Import a number from your Twilio account' },
  { kind: 'vonage', title: 'Vonage', text: 'Import a number from your Vonage account' },
  { kind: 'telnyx', title: 'Telnyx', text: 'Import a number from your Telnyx account' },
  { kind: 'byo-sip-trunk', title: 'BYO SIP trunk', text: 'Bring your own SIP trunk number' },
  ...(__DEV_SIGN_IN__ ? [{ kind: 'vapi' as const, title: 'Vapi number (dev)', text: 'Get a free test number (US only)' }] : []),
];

type Form = Record<'number' | 'accountSid' | 'authToken' | 'apiKey' | 'apiSecret' | 'gatewayIp' | 'gatewayPort' | 'authUsername' | 'authPassword' | 'areaCode' | 'displayName' | 'agentId' | 'credentialId', string>;
const blank: Form = { number: '', accountSid: '', authToken: '', apiKey: '', apiSecret: '', gatewayIp: '', gatewayPort: '', authUsername: '', authPassword: '', areaCode: '', displayName: '', agentId: '', credentialId: '' };

/** The console's own checks, the same rules as the API's schema: wrong input is caught before it is sent. */
export function checkForm(kind: Kind, f: Form): Partial<Record<keyof Form, string>> {
  const e: Partial<Record<keyof Form, string>> = {};
  const e164 = /^\+[1-9]\d{6,14}$/;
  if (kind !== 'vapi' && kind !== 'byo-sip-trunk' && !e164.test(f.number)) e.number = 'Enter the number in E.164, like +14155550123';
  if (kind === 'byo-sip-trunk' && !f.number) e.number = 'Enter the number or SIP user';
  if (kind === 'twilio') {
    if (!/^AC[0-9a-fA-F]{32}$/.test(f.accountSid)) e.accountSid = 'Starts with AC, then 32 hexadecimal characters';
    if (!/^[0-9a-fA-F]{32}$/.test(f.authToken)) e.authToken = '32 hexadecimal characters';
  }
  if (!f.credentialId && kind === 'vonage') {
    if (!/^[0-9a-zA-Z]{6,16}$/.test(f.apiKey)) e.apiKey = '6-16 letters or digits';
    if (f.apiSecret.length < 6) e.apiSecret = 'At least 6 characters';
  }
  if (!f.credentialId && kind === 'telnyx' && !/^KEY[0-9A-Za-z_-]{20,}$/.test(f.apiKey)) e.apiKey = 'Starts with KEY, then 20 or more characters';
  if (!f.credentialId && kind === 'byo-sip-trunk') {
    if (!/^([0-9]{1,3}\.){3}[0-9]{1,3}$|^[a-z0-9.-]+\.[a-z]{2,}$/i.test(f.gatewayIp)) e.gatewayIp = 'An IP address or a domain name';
    if (f.gatewayPort && !(Number(f.gatewayPort) >= 1 && Number(f.gatewayPort) <= 65535)) e.gatewayPort = '1-65535';
  }
  if (kind === 'vapi' && f.areaCode && !/^\d{3}$/.test(f.areaCode)) e.areaCode = 'Three digits';
  if (f.displayName.length > 40) e.displayName = 'At most 40 characters';
  return e;
}

function sourceOf(kind: Kind, f: Form): Import['source'] {
  const saved = f.credentialId ? { credentialId: f.credentialId } : undefined;
  switch (kind) {
    case 'twilio':
      return { type: 'twilio', number: f.number, twilioAccountSid: f.accountSid, twilioAuthToken: f.authToken };
    case 'vonage':
      return { type: 'vonage', number: f.number, ...(saved ?? { apiKey: f.apiKey, apiSecret: f.apiSecret }) };
    case 'telnyx':
      return { type: 'telnyx', number: f.number, ...(saved ?? { apiKey: f.apiKey }) };
    case 'byo-sip-trunk':
      return {
        type: 'byo-sip-trunk',
        number: f.number,
        ...(saved ?? {
          gateways: [{ ip: f.gatewayIp, ...(f.gatewayPort ? { port: Number(f.gatewayPort) } : {}) }],
          ...(f.authUsername ? { authUsername: f.authUsername } : {}),
          ...(f.authPassword ? { authPassword: f.authPassword } : {}),
        }),
      } as Import['source'];
    case 'vapi':
      return { type: 'vapi', ...(f.areaCode ? { numberDesiredAreaCode: f.areaCode } : {}) };
  }
}

/** API issue paths (source.apiKey, source.twilioAuthToken …) to this form's fields. */
const apiField: Record<string, keyof Form> = {
  'source.number': 'number', 'source.twilioAccountSid': 'accountSid', 'source.twilioAuthToken': 'authToken', 'source.apiKey': 'apiKey',
  'source.apiSecret': 'apiSecret', 'source.gateways': 'gatewayIp', 'source.credentialId': 'credentialId', 'source.numberDesiredAreaCode': 'areaCode', displayName: 'displayName',
};
function apiErrors(problem: Problem | undefined, kind: Kind): Partial<Record<keyof Form, string>> {
  const out: Partial<Record<keyof Form, string>> = {};
  for (const [path, field] of Object.entries(apiField)) {
    const message = fieldError(problem, path);
    if (message) out[field] ??= message;
  }
  // A refusal of the credentials themselves names no field: it belongs on the secret.
  if (problem && !Object.keys(out).length && /credential/i.test(problem.message)) out[kind === 'twilio' ? 'authToken' : 'apiKey'] = problem.message;
  return out;
}

export function AddNumberScreen() {
  const { api } = useApp();
  const [kind, setKind] = useState<Kind>();
  const [form, setForm] = useState<Form>(blank);
  const [checked, setChecked] = useState<Partial<Record<keyof Form, string>>>({});
  const keyFor = useIdempotencyKeys(idempotencyKey);
  const [added, setAdded] = useState<string>();
  const agents = useAgents(api);
  const saved = useLoad(() => run(api.GET('/v1/vapi/credentials', { params: { query: { limit: 100 } } })), []);
  const { busy, problem, act } = useAction();
  const set = (k: keyof Form) => (v: string) => setForm({ ...form, [k]: v });
  const errors = { ...apiErrors(problem, kind ?? 'twilio'), ...checked };
  const savedForKind = (saved.data?.data ?? []).filter((c) => c.provider === kind);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!kind) return;
    const found = checkForm(kind, form);
    setChecked(found);
    if (Object.keys(found).length) {
      document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    const agent = agents.data?.data.find((a) => a.id === form.agentId);
    const body: Import = {
      provider: 'vapi',
      source: sourceOf(kind, form),
      ...(form.displayName ? { displayName: form.displayName } : {}),
      ...(agent?.assistantId ? { assistantId: agent.assistantId } : {}),
    };
    const result = await act(() => run(api.POST('/v1/numbers', { params: { header: { 'Idempotency-Key': keyFor(body) } }, body })));
    if (!result?.ok) return;
    const number = result.data.phoneNumber;
    if (agent) await act(() => run(api.PATCH('/v1/agents/{id}', { params: { path: { id: agent.id } }, body: { inboundPhone: number } })));
    setAdded(`${number} added${agent ? ` and assigned to ${agent.name}` : ''}.`);
    setForm(blank);
    setKind(undefined);
    saved.reload();
  };
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Add phone number
      </h1>
      {added ? (
        <Notice>
          {added} <Link href="/numbers">See it in Numbers</Link>
        </Notice>
      ) : null}
      <form onSubmit={submit} noValidate aria-label="Add phone number">
        <fieldset class="cards">
          <legend>1. Choose where the number is</legend>
          {KINDS.map((k) => (
            <label key={k.kind} class={`choice${kind === k.kind ? ' chosen' : ''}`}>
              <input type="radio" name="kind" value={k.kind} checked={kind === k.kind} onChange={() => { setKind(k.kind); setChecked({}); }} />
              <strong>{k.title}</strong>
              <span>{k.text}</span>
            </label>
          ))}
        </fieldset>
        {kind ? (
          <fieldset>
            <legend>2. {kind === 'vapi' ? 'Area code' : 'Credentials and number'}</legend>
            <ProblemBanner problem={problem} title="Not added" />
            {savedForKind.length ? (
              <SelectField label="Saved credentials" name="credentialId" value={form.credentialId} onValue={set('credentialId')} error={errors.credentialId}
                options={[['', 'Enter new credentials'], ...savedForKind.map((c) => [c.id, `${c.label ?? c.provider} (${c.id})`] as const)]} />
            ) : null}
            {kind === 'twilio' ? (
              <>
                <TextField label="Account SID" name="accountSid" value={form.accountSid} onValue={set('accountSid')} error={errors.accountSid} autoComplete="off" required />
                <TextField label="Auth token" name="authToken" type="password" value={form.authToken} onValue={set('authToken')} error={errors.authToken} autoComplete="off" required />
              </>
            ) : null}
            {(kind === 'vonage' || kind === 'telnyx') && !form.credentialId ? (
              <TextField label="API key" name="apiKey" type={kind === 'telnyx' ? 'password' : 'text'} value={form.apiKey} onValue={set('apiKey')} error={errors.apiKey} autoComplete="off" required />
            ) : null}
            {kind === 'vonage' && !form.credentialId ? (
              <TextField label="API secret" name="apiSecret" type="password" value={form.apiSecret} onValue={set('apiSecret')} error={errors.apiSecret} autoComplete="off" required />
            ) : null}
            {kind === 'byo-sip-trunk' && !form.credentialId ? (
              <>
                <TextField label="Gateway IP address or domain" name="gatewayIp" value={form.gatewayIp} onValue={set('gatewayIp')} error={errors.gatewayIp} required />
                <TextField label="Gateway port (optional, 5060)" name="gatewayPort" inputMode="numeric" value={form.gatewayPort} onValue={set('gatewayPort')} error={errors.gatewayPort} />
                <TextField label="Auth username (optional)" name="authUsername" value={form.authUsername} onValue={set('authUsername')} autoComplete="off" />
                <TextField label="Auth password (optional)" name="authPassword" type="password" value={form.authPassword} onValue={set('authPassword')} autoComplete="off" />
              </>
            ) : null}
            {kind === 'vapi' ? (
              <TextField label="Desired area code (optional)" name="areaCode" inputMode="numeric" value={form.areaCode} onValue={set('areaCode')} error={errors.areaCode} />
            ) : (
              <TextField label={kind === 'byo-sip-trunk' ? 'Phone number or SIP user' : 'Phone number'} name="number" type="tel" value={form.number} onValue={set('number')} error={errors.number} hint="E.164, like +14155550123" required />
            )}
            <TextField label="Display name (optional)" name="add-displayName" value={form.displayName} onValue={set('displayName')} error={errors.displayName} />
          </fieldset>
        ) : null}
        {kind ? (
          <fieldset>
            <legend>3. Assign to an agent (optional)</legend>
            <SelectField label="Agent" name="add-agent" value={form.agentId} onValue={set('agentId')} options={[['', 'Assign later'], ...(agents.data?.data ?? []).map((a) => [a.id, a.name] as const)]} />
            <button type="submit" disabled={busy}>
              {busy ? 'Adding…' : 'Add phone number'}
            </button>
          </fieldset>
        ) : null}
      </form>
    </section>
  );
}
