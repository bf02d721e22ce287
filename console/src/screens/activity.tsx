/** Audit, deliveries and reconciliation findings: filterable lists (audit and findings for admins). */
import { useState } from 'preact/hooks';
import { run } from '../client';
import { isAdmin, useApp } from '../context';
import { SelectField, TextField } from '../ui/fields';
import { ProblemBanner, StatusBadge } from '../ui/feedback';
import { useLoad } from '../ui/hooks';

type View = 'audit' | 'deliveries' | 'findings';

export function ActivityScreen() {
  const { session } = useApp();
  const admin = isAdmin(session);
  const [view, setView] = useState<View>(admin ? 'audit' : 'deliveries');
  const views = [...(admin ? [['audit', 'Audit trail'] as const] : []), ['deliveries', 'Message deliveries'] as const, ...(admin ? [['findings', 'Reconciliation findings'] as const] : [])];
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Activity
      </h1>
      <SelectField label="Show" name="activity-view" value={view} onValue={(v) => setView(v as View)} options={views} />
      {view === 'audit' ? <Audit /> : view === 'deliveries' ? <Deliveries /> : <Findings />}
    </section>
  );
}

function Pager(props: { next?: string | undefined; onNext(c: string): void; onFirst(): void; first: boolean }) {
  return (
    <div class="pager">
      <button type="button" class="secondary" disabled={props.first} onClick={props.onFirst}>First page</button>
      <button type="button" class="secondary" disabled={!props.next} onClick={() => props.next && props.onNext(props.next)}>Next page</button>
    </div>
  );
}

function Audit() {
  const { api } = useApp();
  const [draft, setDraft] = useState('');
  const [resource, setResource] = useState('');
  const [cursor, setCursor] = useState<string>();
  const list = useLoad(() => run(api.GET('/v1/audit', { params: { query: { limit: 20, ...(resource ? { resource } : {}), ...(cursor ? { cursor } : {}) } } })), [resource, cursor]);
  return (
    <>
      <form class="filters" aria-label="Filter the audit trail" onSubmit={(e) => { e.preventDefault(); setCursor(undefined); setResource(draft.trim()); }} noValidate>
        <TextField label="Resource" name="audit-resource" value={draft} onValue={setDraft} hint="numbers, numbers/num_…, locations, provider-accounts …" error={list.problem?.fields.resource} />
        <div class="filter-actions"><button type="submit">Filter</button></div>
      </form>
      <ProblemBanner problem={list.problem} />
      <table class="grid" aria-label="Audit trail">
        <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Who</th></tr></thead>
        <tbody>
          {(list.data?.data ?? []).map((a) => (
            <tr key={a.id}>
              <td><time dateTime={a.at}>{new Date(a.at).toLocaleString()}</time></td>
              <td>{a.action}</td>
              <td class="mono">{a.resource}</td>
              <td>{a.actor.type === 'user' ? `${a.actor.uid} (${a.actor.role})` : a.actor.name}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager next={list.data?.nextCursor} first={!cursor} onNext={setCursor} onFirst={() => setCursor(undefined)} />
    </>
  );
}

function Deliveries() {
  const { api } = useApp();
  const [draft, setDraft] = useState('');
  const [numberId, setNumberId] = useState('');
  const [cursor, setCursor] = useState<string>();
  const list = useLoad(() => run(api.GET('/v1/deliveries', { params: { query: { limit: 20, ...(numberId ? { numberId } : {}), ...(cursor ? { cursor } : {}) } } })), [numberId, cursor]);
  return (
    <>
      <form class="filters" aria-label="Filter deliveries" onSubmit={(e) => { e.preventDefault(); setCursor(undefined); setNumberId(draft.trim()); }} noValidate>
        <TextField label="Number" name="delivery-number" value={draft} onValue={setDraft} hint="num_… or +1…" error={list.problem?.fields.numberId} />
        <div class="filter-actions"><button type="submit">Filter</button></div>
      </form>
      <ProblemBanner problem={list.problem} />
      <table class="grid" aria-label="Deliveries">
        <thead><tr><th scope="col">Received</th><th scope="col">From → to</th><th scope="col">Text</th><th scope="col">Status</th><th scope="col">Attempts</th></tr></thead>
        <tbody>
          {(list.data?.data ?? []).map((d) => (
            <tr key={d.id}>
              <td>{new Date(d.message.receivedAt).toLocaleString()}</td>
              <td>{d.message.from} → {d.message.to}</td>
              <td>{d.message.text}</td>
              <td><StatusBadge status={d.status} />{d.reason ? ` (${d.reason})` : ''}</td>
              <td>{d.attempts.length}</td>
            </tr>
          ))}
          {list.data && !list.data.data.length ? <tr><td colSpan={5}>No deliveries.</td></tr> : null}
        </tbody>
      </table>
      <Pager next={list.data?.nextCursor} first={!cursor} onNext={setCursor} onFirst={() => setCursor(undefined)} />
    </>
  );
}

function Findings() {
  const { api } = useApp();
  const [status, setStatus] = useState('open');
  const [kind, setKind] = useState('');
  const [cursor, setCursor] = useState<string>();
  const list = useLoad(
    () => run(api.GET('/v1/reconciliation/findings', { params: { query: { limit: 20, ...(status ? { status: status as 'open' } : {}), ...(kind ? { kind: kind as 'unknown_here' } : {}), ...(cursor ? { cursor } : {}) } } })),
    [status, kind, cursor],
  );
  return (
    <>
      <div class="filters">
        <SelectField label="Status" name="finding-status" value={status} onValue={(v) => { setCursor(undefined); setStatus(v); }} options={[['open', 'Open'], ['resolved', 'Resolved'], ['', 'Any']]} />
        <SelectField label="Kind" name="finding-kind" value={kind} onValue={(v) => { setCursor(undefined); setKind(v); }} options={[['', 'Any'], ['missing_at_provider', 'Gone at the provider'], ['unknown_here', 'Unknown here']]} />
      </div>
      <ProblemBanner problem={list.problem} />
      <table class="grid" aria-label="Reconciliation findings">
        <thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Last seen</th></tr></thead>
        <tbody>
          {(list.data?.data ?? []).map((f) => (
            <tr key={f.id}>
              <td>{f.phoneNumber}</td>
              <td>{f.kind === 'missing_at_provider' ? 'Gone at the provider' : 'Unknown here'}</td>
              <td>{f.provider}</td>
              <td><StatusBadge status={f.status} /></td>
              <td>{new Date(f.lastSeenAt).toLocaleString()}</td>
            </tr>
          ))}
          {list.data && !list.data.data.length ? <tr><td colSpan={5}>No findings.</td></tr> : null}
        </tbody>
      </table>
      <Pager next={list.data?.nextCursor} first={!cursor} onNext={setCursor} onFirst={() => setCursor(undefined)} />
    </>
  );
}
