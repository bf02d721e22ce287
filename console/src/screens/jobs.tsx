/** Bulk jobs: start one from a CSV upload or a search spec; live progress, failed items with reasons, cancel. */
import { useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run, type Body, type Input } from '../client';
import { csvItem, parseCsv } from '../csv';
import { isAdmin, useApp } from '../context';
import { SelectField, TextField } from '../ui/fields';
import { Loading, Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useIdempotencyKeys, useInterval, useLoad } from '../ui/hooks';

type NewJob = Input<'/v1/jobs', 'post'>;
type Job = Body<'/v1/jobs/{id}', 'get'>;
const OPEN = new Set(['queued', 'running']);

export function JobsScreen() {
  const { api } = useApp();
  const jobs = useLoad(() => run(api.GET('/v1/jobs', { params: { query: { limit: 20 } } })), []);
  const [selected, setSelected] = useState<string>();
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Bulk jobs
      </h1>
      <CreateJob onCreated={(id) => { setSelected(id); jobs.reload(); }} />
      <h2>Recent jobs</h2>
      <ProblemBanner problem={jobs.problem} />
      {jobs.data ? (
        <table class="grid" aria-label="Jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Items</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.data.map((j) => (
              <tr key={j.id} class={selected === j.id ? 'selected' : ''}>
                <td>
                  <button type="button" class="link" onClick={() => setSelected(j.id)}>
                    {j.id}
                  </button>
                </td>
                <td>{j.type} · {j.provider}</td>
                <td><StatusBadge status={j.status} /></td>
                <td>{j.itemCount}</td>
                <td>{new Date(j.createdAt).toLocaleString()}</td>
              </tr>
            ))}
            {jobs.data.data.length === 0 ? (
              <tr>
                <td colSpan={5}>No jobs yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ) : null}
      {selected ? <JobProgress key={selected} id={selected} onChanged={jobs.reload} /> : null}
    </section>
  );
}

function CreateJob({ onCreated }: { onCreated(id: string): void }) {
  const { api, session } = useApp();
  const [type, setType] = useState('purchase');
  const [provider, setProvider] = useState('twilio');
  const [source, setSource] = useState<'csv' | 'search'>('csv');
  const [items, setItems] = useState<Record<string, unknown>[]>();
  const [fileName, setFileName] = useState('');
  const [search, setSearch] = useState({ areaCode: '', contains: '', quantity: '10' });
  const [invalid, setInvalid] = useState<Body<'/v1/jobs', 'post', 202>['invalidItems']>();
  const keyFor = useIdempotencyKeys(idempotencyKey);
  const { busy, problem, act, setProblem } = useAction();
  const readFile = async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    setFileName(file.name);
    setItems(parseCsv(await file.text()).map(csvItem));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (source === 'csv' && !items?.length) {
      setProblem({ status: 400, code: 'VALIDATION_ERROR', message: 'Choose a CSV file with a header row and at least one item', fields: { items: 'Choose a CSV file' } });
      return;
    }
    const body = {
      type,
      provider,
      ...(source === 'csv'
        ? { items }
        : { search: { ...(search.areaCode ? { areaCode: search.areaCode } : {}), ...(search.contains ? { contains: search.contains } : {}), quantity: Number(search.quantity) } }),
    } as NewJob;
    const r = await act(() => run(api.POST('/v1/jobs', { params: { header: { 'Idempotency-Key': keyFor(body) } }, body })));
    if (r?.ok) {
      setInvalid(r.data.invalidItems);
      onCreated(r.data.id);
    }
  };
  const types = [['purchase', 'Purchase'], ['update', 'Update'], ...(isAdmin(session) ? [['release', 'Release'] as const] : [])] as const;
  return (
    <form class="card" onSubmit={submit} aria-labelledby="new-job-title" noValidate>
      <h2 id="new-job-title">Start a job</h2>
      <ProblemBanner problem={problem} title="Not started" />
      <div class="grid2">
        <SelectField label="Job type" name="job-type" value={type} onValue={(v) => { setType(v); if (v !== 'purchase') setSource('csv'); }} options={types} error={fieldError(problem, 'type')} />
        <SelectField label="Provider" name="job-provider" value={provider} onValue={setProvider} options={[['twilio', 'Twilio'], ['telnyx', 'Telnyx'], ['vonage', 'Vonage'], ['plivo', 'Plivo']]} error={fieldError(problem, 'provider')} />
        <SelectField label="Items from" name="job-source" value={source} onValue={(v) => setSource(v as 'csv' | 'search')} options={type === 'purchase' ? [['csv', 'CSV upload'], ['search', 'Search spec']] : [['csv', 'CSV upload']]} />
      </div>
      {source === 'csv' ? (
        <div class={`field${fieldError(problem, 'items') ? ' invalid' : ''}`}>
          <label for="job-csv">CSV file</label>
          <input id="job-csv" type="file" accept=".csv,text/csv" onChange={(e) => void readFile(e)} aria-describedby="job-csv-hint" />
          <p class="hint" id="job-csv-hint">
            Header row first. Purchase: phoneNumber, displayName, tags (separated by ;). Release: numberId, reason.
            {items ? ` ${fileName}: ${items.length} items read.` : ''}
          </p>
          {fieldError(problem, 'items') ? <p class="field-error" data-field-error="items">{fieldError(problem, 'items')}</p> : null}
        </div>
      ) : (
        <div class="grid2">
          <TextField label="Area code" name="job-areaCode" value={search.areaCode} onValue={(v) => setSearch({ ...search, areaCode: v })} error={fieldError(problem, 'search.areaCode')} />
          <TextField label="Digits contain" name="job-contains" value={search.contains} onValue={(v) => setSearch({ ...search, contains: v })} error={fieldError(problem, 'search.contains')} />
          <TextField label="Quantity" name="job-quantity" type="number" min={1} value={search.quantity} onValue={(v) => setSearch({ ...search, quantity: v })} error={fieldError(problem, 'search.quantity')} />
        </div>
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Starting…' : 'Start job'}
      </button>
      {invalid?.length ? (
        <div class="banner error" role="alert">
          <strong>{invalid.length} items were left out:</strong>
          <ul>
            {invalid.map((i) => (
              <li key={i.index}>
                Row {i.index + 1}: {i.issues.map((x) => `${x.path} ${x.message}`).join('; ')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </form>
  );
}

function eta(job: Job): string {
  const left = job.counts.queued + job.counts.running;
  if (!job.throughputPerSecond || !left) return '—';
  const s = Math.ceil(left / job.throughputPerSecond);
  return s < 90 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}

function JobProgress({ id, onChanged }: { id: string; onChanged(): void }) {
  const { api } = useApp();
  const job = useLoad(() => run(api.GET('/v1/jobs/{id}', { params: { path: { id } } })), [id]);
  const open = !!job.data && OPEN.has(job.data.status);
  useInterval(job.reload, 1000, open);
  const failed = useLoad(() => run(api.GET('/v1/jobs/{id}/items', { params: { path: { id }, query: { state: 'failed', limit: 100 } } })), [id, job.data?.counts.failed]);
  const cancel = useAction();
  const [notice, setNotice] = useState<string>();
  const j = job.data;
  if (!j) return job.problem ? <ProblemBanner problem={job.problem} /> : <Loading what="the job" />;
  const doCancel = async () => {
    const r = await cancel.act(() => run(api.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } })));
    if (r?.ok) {
      setNotice('Cancel requested: items not started yet are cancelled.');
      job.reload();
      onChanged();
    }
  };
  return (
    <section class="card" aria-labelledby="job-title">
      <h2 id="job-title">
        Job {j.id} <StatusBadge status={j.status} />
      </h2>
      {notice ? <Notice>{notice}</Notice> : null}
      <ProblemBanner problem={cancel.problem} />
      <label for="job-progress">
        {j.percent}% done ({j.counts.succeeded + j.counts.failed + j.counts.cancelled} of {j.total})
      </label>
      <progress id="job-progress" class="progress" max={100} value={j.percent} />
      <dl class="facts" aria-label="Counts per state">
        {(['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const).map((s) => (
          <div key={s}>
            <dt>{s}</dt>
            <dd data-count={s}>{j.counts[s]}</dd>
          </div>
        ))}
        <div>
          <dt>Throughput</dt>
          <dd>{j.throughputPerSecond !== undefined ? `${j.throughputPerSecond.toFixed(1)} items/s` : '—'}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{eta(j)}</dd>
        </div>
      </dl>
      {open && !j.cancelRequested ? (
        <button type="button" class="danger" disabled={cancel.busy} onClick={() => void doCancel()}>
          Cancel job
        </button>
      ) : null}
      {failed.data?.data.length ? (
        <table class="grid" aria-label="Failed items">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Item</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {failed.data.data.map((item) => (
              <tr key={item.id}>
                <td>{item.index + 1}</td>
                <td class="mono">{String(item.input.phoneNumber ?? item.input.numberId ?? item.input.number ?? JSON.stringify(item.input))}</td>
                <td>{item.error ? `${item.error.message} (${item.error.code})` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
