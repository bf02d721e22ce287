/**
 * Regulatory wizard (gig spec): country and number type → what it requires → values, an address and
 * documents (upload progress) → submit → status with the provider's reasons → buy. A group is kept by
 * the API, so the wizard resumes where it was left (?group=…).
 */
import { useEffect, useState } from 'preact/hooks';
import { fieldError, run, type Body } from '../client';
import { useApp } from '../context';
import { Link, navigate, useLocation } from '../router';
import { SelectField, TextField } from '../ui/fields';
import { Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useLoad } from '../ui/hooks';
import { uploadWithProgress } from '../upload';

type Group = Body<'/v1/requirement-groups/{id}', 'get'>;
type Requirement = Group['requirements'][number];
const TYPES = [['local', 'Local'], ['national', 'National'], ['mobile', 'Mobile'], ['toll_free', 'Toll-free']] as const;

export function RegulatoryScreen() {
  const { query } = useLocation();
  const group = query.get('group');
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Regulatory requirements
      </h1>
      {group ? <GroupEditor key={group} id={group} /> : <Start />}
    </section>
  );
}

function Start() {
  const { api } = useApp();
  const [country, setCountry] = useState('FR');
  const [type, setType] = useState('local');
  const [asked, setAsked] = useState<{ country: string; type: string }>();
  const groups = useLoad(() => run(api.GET('/v1/requirement-groups', { params: { query: { limit: 50 } } })), []);
  const requirements = useLoad(
    () => (asked ? run(api.GET('/v1/requirements', { params: { query: { country: asked.country, type: asked.type as 'local' } } })) : Promise.resolve({ ok: true as const, data: undefined, status: 200, response: new Response() })),
    [asked],
  );
  const start = useAction();
  const begin = async () => {
    const r = await start.act(() => run(api.POST('/v1/requirement-groups', { body: { country: asked!.country, type: asked!.type as 'local', action: 'ordering' } })));
    if (r?.ok) navigate(`/regulatory?group=${r.data.id}`);
  };
  const list = requirements.data;
  return (
    <>
      <form class="filters" aria-label="Country and number type" onSubmit={(e) => { e.preventDefault(); setAsked({ country: country.toUpperCase(), type }); }} noValidate>
        <TextField label="Country (ISO code)" name="reg-country" value={country} onValue={setCountry} maxLength={2} error={fieldError(requirements.problem, 'country')} />
        <SelectField label="Number type" name="reg-type" value={type} onValue={setType} options={TYPES} />
        <div class="filter-actions"><button type="submit">See requirements</button></div>
      </form>
      <ProblemBanner problem={requirements.problem ?? start.problem} />
      {list ? (
        <div class="card">
          <h2>{list.country} {list.type} numbers</h2>
          {list.hasRequirements ? (
            <>
              <ul>{list.requirements.map((r) => <li key={r.id}><strong>{r.name}</strong> ({r.kind})</li>)}</ul>
              <button type="button" disabled={start.busy} onClick={() => void begin()}>Start (or resume) this group</button>
            </>
          ) : (
            <p>Nothing is required: <Link href={`/buy?provider=telnyx&country=${list.country}&type=${list.type}`}>buy a number</Link>.</p>
          )}
        </div>
      ) : null}
      {groups.data?.data.length ? (
        <div class="card">
          <h2>Your requirement groups</h2>
          <ul>
            {groups.data.data.map((g) => (
              <li key={g.id}>
                <Link href={`/regulatory?group=${g.id}`}>{g.country} {g.type} ({g.id})</Link> <StatusBadge status={g.status} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

function GroupEditor({ id }: { id: string }) {
  const { api } = useApp();
  const group = useLoad(() => run(api.GET('/v1/requirement-groups/{id}', { params: { path: { id } } })), [id]);
  const status = useLoad(() => run(api.GET('/v1/requirement-groups/{id}/status', { params: { path: { id } } })), [id, group.data?.updatedAt]);
  const submit = useAction();
  const [notice, setNotice] = useState<string>();
  const g = group.data;
  const s = status.data;
  // GET …/status brings the decision from the provider: the group is read again when it moved on.
  useEffect(() => {
    if (s && g && s.status !== g.status) group.reload();
  }, [s?.status]);
  const current = s?.status ?? g?.status;
  const editable = current === 'draft' || current === 'rejected' || current === 'unapproved';
  const doSubmit = async () => {
    const r = await submit.act(() => run(api.POST('/v1/requirement-groups/{id}/submit', { params: { path: { id } } })));
    if (r?.ok) {
      setNotice('Submitted for approval.');
      group.reload();
    }
  };
  return (
    <>
      <p><Link href="/regulatory">All requirement groups</Link></p>
      <ProblemBanner problem={group.problem ?? status.problem} />
      {notice ? <Notice>{notice}</Notice> : null}
      {g && s ? (
        <div class="card" aria-labelledby="group-title">
          <h2 id="group-title">{g.country} {g.type} · {g.id} <StatusBadge status={s.status} /></h2>
          <label for="group-progress">{s.completionPercentage}% complete</label>
          <progress id="group-progress" class="progress" max={100} value={s.completionPercentage} />
          {s.remaining.length ? <p>Still missing: {s.remaining.map((r) => r.name).join(', ')}</p> : null}
          {s.statusReason ? <p class="banner error" role="alert">Declined: {s.statusReason}</p> : null}
          {s.rejections.length ? (
            <ul aria-label="Declined values">{s.rejections.map((r) => <li key={r.requirementId}><strong>{r.name}</strong>: {r.reason ?? 'declined'}</li>)}</ul>
          ) : null}
          <ProblemBanner problem={submit.problem} title="Not submitted" />
          <div class="actions">
            <button type="button" class="secondary" onClick={status.reload}>Refresh status</button>
            {editable ? <button type="button" disabled={!s.isComplete || submit.busy} onClick={() => void doSubmit()}>Submit for approval</button> : null}
            {s.canOrder ? <Link class="button" href={`/buy?provider=telnyx&country=${g.country}&type=${g.type}`}>Buy a {g.country} number</Link> : null}
          </div>
        </div>
      ) : null}
      {g ? g.requirements.map((r) => <RequirementCard key={r.id} group={g} requirement={r} editable={editable} onSaved={group.reload} />) : null}
    </>
  );
}

function RequirementCard({ group, requirement: r, editable, onSaved }: { group: Group; requirement: Requirement; editable: boolean; onSaved(): void }) {
  const saved = group.values[r.id];
  const state = !saved ? 'missing' : saved.status === 'declined' ? `declined: ${saved.reason ?? ''}` : 'saved';
  return (
    <div class="card" aria-labelledby={`req-${r.id}`}>
      <h3 id={`req-${r.id}`}>{r.name} <span class="muted">({r.kind}, {state})</span></h3>
      {Object.entries(r.acceptanceCriteria).length ? (
        <p class="hint">{Object.entries(r.acceptanceCriteria).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join(' · ')}</p>
      ) : null}
      {saved ? <p>Saved: {saved.value ?? saved.filename ?? saved.addressId ?? saved.documentId}</p> : null}
      {editable ? (r.kind === 'document' ? <DocumentInput group={group} r={r} onSaved={onSaved} /> : r.kind === 'address' ? <AddressInput group={group} r={r} onSaved={onSaved} /> : <TextInput group={group} r={r} onSaved={onSaved} />) : null}
    </div>
  );
}

function TextInput({ group, r, onSaved }: { group: Group; r: Requirement; onSaved(): void }) {
  const { api } = useApp();
  const [value, setValue] = useState(group.values[r.id]?.value ?? '');
  const { busy, problem, act } = useAction();
  const save = async (e: Event) => {
    e.preventDefault();
    const res = await act(() => run(api.POST('/v1/requirement-groups/{id}/values/{requirementId}', { params: { path: { id: group.id, requirementId: r.id } }, body: { value } })));
    if (res?.ok) onSaved();
  };
  return (
    <form onSubmit={save} aria-label={`${r.name} value`} noValidate>
      <TextField label={r.name} name={`req-${r.id}`} value={value} onValue={setValue} error={fieldError(problem, 'value') ?? problem?.message} />
      <button type="submit" disabled={busy}>Save {r.name}</button>
    </form>
  );
}

function AddressInput({ group, r, onSaved }: { group: Group; r: Requirement; onSaved(): void }) {
  const { api } = useApp();
  const [a, setA] = useState({ businessName: '', firstName: '', lastName: '', streetAddress: '', locality: '', postalCode: '' });
  const { busy, problem, act } = useAction();
  const set = (k: keyof typeof a) => (v: string) => setA({ ...a, [k]: v });
  const save = async (e: Event) => {
    e.preventDefault();
    const created = await act(() => run(api.POST('/v1/addresses', { body: { ...a, country: group.country } })));
    if (!created?.ok) return;
    const addressId = created.data.id;
    const res = await act(() => run(api.POST('/v1/requirement-groups/{id}/values/{requirementId}', { params: { path: { id: group.id, requirementId: r.id } }, body: { addressId } })));
    if (res?.ok) onSaved();
  };
  const labels: [keyof typeof a, string][] = [['businessName', 'Business name'], ['firstName', 'First name'], ['lastName', 'Last name'], ['streetAddress', 'Street address'], ['locality', 'City'], ['postalCode', 'Postal code']];
  return (
    <form onSubmit={save} aria-label={`${r.name} value`} noValidate>
      <ProblemBanner problem={problem} title="Address not saved" />
      <div class="grid2">
        {labels.map(([k, label]) => <TextField key={k} label={label} name={`addr-${k}`} value={a[k]} onValue={set(k)} error={fieldError(problem, k)} />)}
      </div>
      <button type="submit" disabled={busy}>Save address</button>
    </form>
  );
}

function DocumentInput({ group, r, onSaved }: { group: Group; r: Requirement; onSaved(): void }) {
  const { apiBaseUrl, session } = useApp();
  const [file, setFile] = useState<File>();
  const [percent, setPercent] = useState<number>();
  const { busy, problem, act } = useAction();
  const upload = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setPercent(0);
    const url = `${apiBaseUrl}/v1/requirement-groups/${encodeURIComponent(group.id)}/documents/${encodeURIComponent(r.id)}`;
    const res = await act(async () => uploadWithProgress(url, await session.token(), file, setPercent));
    if (res?.ok) onSaved();
  };
  const id = `doc-${r.id}`;
  return (
    <form onSubmit={upload} aria-label={`${r.name} document`} noValidate>
      <ProblemBanner problem={problem} title="Not uploaded" />
      <div class="field">
        <label for={id}>{r.name} (PDF, JPEG or PNG, up to 10 MB)</label>
        <input id={id} type="file" accept="application/pdf,image/jpeg,image/png" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])} />
      </div>
      {percent !== undefined ? (
        <p role="status">
          <label for={`${id}-progress`}>Upload {percent}%</label> <progress id={`${id}-progress`} max={100} value={percent} />
        </p>
      ) : null}
      <button type="submit" disabled={!file || busy}>Upload {r.name}</button>
    </form>
  );
}
