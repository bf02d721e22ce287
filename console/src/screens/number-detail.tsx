/** One number: channels, URLs, location, staff, agent, its audit trail; edit, deactivate, release. */
import { useEffect, useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run, type Input } from '../client';
import { isAdmin, useApp } from '../context';
import { ConfirmDialog } from '../ui/dialog';
import { CheckboxField, SelectField, TextField } from '../ui/fields';
import { Loading, Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useLoad } from '../ui/hooks';
import { options, type Agent, type Location } from './directory-data';
import type { NumberItem } from './numbers';

type Patch = Input<'/v1/numbers/{id}', 'patch'>;

export function NumberDetail(props: { id: string; locations: Location[]; agents: Agent[]; onChanged(): void; onClose(): void }) {
  const { api, session } = useApp();
  const number = useLoad(() => run(api.GET('/v1/numbers/{id}', { params: { path: { id: props.id } } })), [props.id]);
  const [notice, setNotice] = useState<string>();
  const n = number.data;
  const changed = (message: string) => {
    setNotice(message);
    number.reload();
    props.onChanged();
  };
  return (
    <aside class="panel" aria-labelledby="detail-title">
      <div class="title-row">
        <h2 id="detail-title">{n ? `${n.phoneNumber}${n.displayName ? ` · ${n.displayName}` : ''}` : 'Number'}</h2>
        <button type="button" class="secondary" onClick={props.onClose}>
          Close details
        </button>
      </div>
      <ProblemBanner problem={number.problem} />
      {notice ? <Notice>{notice}</Notice> : null}
      {!n ? <Loading what="the number" /> : <Facts n={n} locations={props.locations} agents={props.agents} />}
      {n && n.status !== 'released' ? <EditForm n={n} locations={props.locations} onSaved={() => changed('Changes saved.')} /> : null}
      {n && n.status !== 'released' ? <Lifecycle n={n} onChanged={changed} /> : null}
      {n && isAdmin(session) ? <NumberAudit id={n.id} version={n.updatedAt} /> : null}
    </aside>
  );
}

function Facts({ n, locations, agents }: { n: NumberItem; locations: Location[]; agents: Agent[] }) {
  const agent = agents.find((a) => a.id === n.agentId);
  const rows: [string, string][] = [
    ['Status', n.status + (n.statusReason ? ` (${n.statusReason})` : '')],
    ['Provider', `${n.provider} · ${n.account?.kind === 'own' ? `own account ${n.account.label ?? n.account.id}` : 'platform account'}`],
    ['Channels', [n.smsEnabled ? 'SMS' : '', n.voiceEnabled ? 'voice' : ''].filter(Boolean).join(' + ') || 'none'],
    ['Messages relayed to', n.webhookUrl ?? '—'],
    ['Calls go to', n.voiceUrl ?? '—'],
    ['Messages go straight to', n.smsUrl ?? '—'],
    ['Status callbacks', n.statusCallbackUrl ?? '—'],
    ['Location', n.locationName ?? locations.find((l) => l.id === n.locationId)?.name ?? '—'],
    ['Staff', n.assignedTo ? `${n.assignedTo.name} (${n.assignedTo.id})` : '—'],
    ['Agent', agent?.name ?? n.agentId ?? '—'],
    ['Purpose', n.purpose ?? '—'],
    ['Monthly', n.monthlyRate ? `${n.monthlyRate.amount} ${n.monthlyRate.currency}` : '—'],
  ];
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{k === 'Status' ? <StatusBadge status={v} /> : v}</dd>
        </div>
      ))}
    </dl>
  );
}

function EditForm({ n, locations, onSaved }: { n: NumberItem; locations: Location[]; onSaved(): void }) {
  const { api } = useApp();
  const initial = () => ({
    displayName: n.displayName ?? '',
    tags: n.tags.join(', '),
    webhookUrl: n.webhookUrl ?? '',
    voiceUrl: n.voiceUrl ?? '',
    locationId: n.locationId ?? '',
    staffId: n.assignedTo?.id ?? '',
    staffName: n.assignedTo?.name ?? '',
    smsEnabled: n.smsEnabled,
    voiceEnabled: n.voiceEnabled,
  });
  const [form, setForm] = useState(initial);
  useEffect(() => setForm(initial()), [n.id]);
  const { busy, problem, act } = useAction();
  const text = (key: 'displayName' | 'tags' | 'webhookUrl' | 'voiceUrl' | 'locationId' | 'staffId' | 'staffName') => (v: string) => setForm({ ...form, [key]: v });
  const save = async (e: Event) => {
    e.preventDefault();
    const was = initial();
    const body: Patch = {};
    if (form.displayName !== was.displayName) body.displayName = form.displayName || null;
    if (form.tags !== was.tags) body.tags = form.tags.split(',').map((t) => t.trim()).filter(Boolean);
    if (form.webhookUrl !== was.webhookUrl) body.webhookUrl = form.webhookUrl || null;
    if (form.voiceUrl !== was.voiceUrl) body.voiceUrl = form.voiceUrl || null;
    if (form.locationId !== was.locationId) body.locationId = form.locationId || null;
    if (form.staffId !== was.staffId || form.staffName !== was.staffName) {
      body.assignedTo = form.staffId || form.staffName ? { id: form.staffId, name: form.staffName } : null;
    }
    if (form.smsEnabled !== was.smsEnabled) body.smsEnabled = form.smsEnabled;
    if (form.voiceEnabled !== was.voiceEnabled) body.voiceEnabled = form.voiceEnabled;
    const result = await act(() => run(api.PATCH('/v1/numbers/{id}', { params: { path: { id: n.id } }, body })));
    if (result?.ok) onSaved();
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="edit-title" noValidate>
      <h3 id="edit-title">Edit</h3>
      <ProblemBanner problem={problem} title="Not saved" />
      <div class="grid2">
        <TextField label="Display name" name="displayName" value={form.displayName} onValue={text('displayName')} error={fieldError(problem, 'displayName')} />
        <TextField label="Tags (comma-separated)" name="tags" value={form.tags} onValue={text('tags')} error={fieldError(problem, 'tags')} />
        <TextField label="Message webhook URL" name="webhookUrl" type="url" value={form.webhookUrl} onValue={text('webhookUrl')} error={fieldError(problem, 'webhookUrl')} />
        <TextField label="Voice URL" name="voiceUrl" type="url" value={form.voiceUrl} onValue={text('voiceUrl')} error={fieldError(problem, 'voiceUrl')} />
        <SelectField label="Location" name="edit-location" value={form.locationId} onValue={text('locationId')} options={options(locations, 'None')} error={fieldError(problem, 'locationId')} />
        <TextField label="Staff id" name="staffId" value={form.staffId} onValue={text('staffId')} error={fieldError(problem, 'assignedTo.id') ?? fieldError(problem, 'assignedTo')} />
        <TextField label="Staff name" name="staffName" value={form.staffName} onValue={text('staffName')} error={fieldError(problem, 'assignedTo.name')} />
      </div>
      <fieldset>
        <legend>Channels</legend>
        <CheckboxField label="SMS" name="smsEnabled" checked={form.smsEnabled} onChecked={(v) => setForm({ ...form, smsEnabled: v })} />
        <CheckboxField label="Voice" name="voiceEnabled" checked={form.voiceEnabled} onChecked={(v) => setForm({ ...form, voiceEnabled: v })} />
      </fieldset>
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save changes'}
      </button>
    </form>
  );
}

function Lifecycle({ n, onChanged }: { n: NumberItem; onChanged(message: string): void }) {
  const { api, session } = useApp();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [key] = useState(idempotencyKey);
  const toggle = useAction();
  const release = useAction();
  const active = n.status === 'active';
  const setStatus = async () => {
    const result = await toggle.act(() => run(api.PATCH('/v1/numbers/{id}', { params: { path: { id: n.id } }, body: { status: active ? 'inactive' : 'active' } })));
    if (result?.ok) onChanged(active ? 'Number deactivated: out of service at the provider.' : 'Number reactivated.');
  };
  const doRelease = async () => {
    const result = await release.act(() =>
      run(api.DELETE('/v1/numbers/{id}', { params: { path: { id: n.id }, header: { 'Idempotency-Key': key } }, body: reason ? { reason } : {} })),
    );
    if (result?.ok) {
      setConfirming(false);
      onChanged('Number released.');
    }
  };
  return (
    <div class="card">
      <h3>Lifecycle</h3>
      <ProblemBanner problem={toggle.problem} />
      <div class="actions">
        {n.status === 'active' || n.status === 'inactive' ? (
          <button type="button" class="secondary" disabled={toggle.busy} onClick={() => void setStatus()}>
            {active ? 'Deactivate' : 'Reactivate'}
          </button>
        ) : null}
        {isAdmin(session) ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Release…
          </button>
        ) : null}
      </div>
      {confirming ? (
        <ConfirmDialog title={`Release ${n.phoneNumber}?`} confirmLabel="Release number" danger busy={release.busy} onConfirm={() => void doRelease()} onCancel={() => setConfirming(false)}>
          <p>The number goes back to {n.provider}. This cannot be undone.</p>
          <ProblemBanner problem={release.problem} title="Not released" />
          <TextField label="Reason (optional)" name="releaseReason" value={reason} onValue={setReason} error={fieldError(release.problem, 'reason')} />
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function NumberAudit({ id, version }: { id: string; version: string }) {
  const { api } = useApp();
  const audit = useLoad(() => run(api.GET('/v1/audit', { params: { query: { resource: `numbers/${id}`, limit: 20 } } })), [id, version]);
  return (
    <div class="card">
      <h3>Audit of this number</h3>
      <ProblemBanner problem={audit.problem} />
      {audit.data ? (
        <ol class="timeline" aria-label="Audit entries">
          {audit.data.data.map((a) => (
            <li key={a.id}>
              <time dateTime={a.at}>{new Date(a.at).toLocaleString()}</time> <strong>{a.action}</strong> by{' '}
              {a.actor.type === 'user' ? `${a.actor.uid} (${a.actor.role})` : a.actor.name}
            </li>
          ))}
          {audit.data.data.length === 0 ? <li>No entries yet.</li> : null}
        </ol>
      ) : null}
    </div>
  );
}
