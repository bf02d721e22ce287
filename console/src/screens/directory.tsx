/** Locations and agents: create, edit, delete, and which numbers each one uses. */
import { useState } from 'preact/hooks';
import { fieldError, run } from '../client';
import { isAdmin, useApp } from '../context';
import { ConfirmDialog } from '../ui/dialog';
import { SelectField, TextField } from '../ui/fields';
import { Notice, ProblemBanner } from '../ui/feedback';
import { useAction, useLoad } from '../ui/hooks';
import { useAgents, useLocations, type Agent, type Location } from './directory-data';

export function DirectoryScreen() {
  const { api } = useApp();
  const locations = useLocations(api);
  const agents = useAgents(api);
  const numbers = useLoad(() => run(api.GET('/v1/numbers', { params: { query: { status: 'active', limit: 100 } } })), []);
  const [notice, setNotice] = useState<string>();
  const phones = (numbers.data?.data ?? []).map((n) => [n.phoneNumber, `${n.phoneNumber}${n.displayName ? ` · ${n.displayName}` : ''}`] as const);
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Locations and agents
      </h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <Locations items={locations.data?.data} problem={locations.problem} onChanged={(m) => { setNotice(m); locations.reload(); }} />
      <Agents items={agents.data?.data} problem={agents.problem} phones={phones} onChanged={(m) => { setNotice(m); agents.reload(); numbers.reload(); }} />
    </section>
  );
}

function Locations(props: { items: Location[] | undefined; problem: ReturnType<typeof useLoad>['problem']; onChanged(message: string): void }) {
  const { api, session } = useApp();
  const [form, setForm] = useState({ id: '', name: '', address: '', timezone: '' });
  const [removing, setRemoving] = useState<Location>();
  const save = useAction();
  const remove = useAction();
  const admin = isAdmin(session);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { name: form.name, ...(form.address ? { address: form.address } : {}), ...(form.timezone ? { timezone: form.timezone } : {}) };
    const r = await save.act(() =>
      form.id ? run(api.PATCH('/v1/locations/{id}', { params: { path: { id: form.id } }, body })) : run(api.POST('/v1/locations', { body })),
    );
    if (r?.ok) {
      props.onChanged(`Location ${r.data.name} ${form.id ? 'saved' : 'created'}.`);
      setForm({ id: '', name: '', address: '', timezone: '' });
    }
  };
  const doRemove = async (l: Location) => {
    const r = await remove.act(() => run(api.DELETE('/v1/locations/{id}', { params: { path: { id: l.id } } })));
    if (r?.ok) {
      setRemoving(undefined);
      props.onChanged(`Location ${l.name} deleted.`);
    }
  };
  return (
    <div class="card">
      <h2>Locations</h2>
      <ProblemBanner problem={props.problem} />
      <table class="grid" aria-label="Locations">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Address</th>
            <th scope="col">Time zone</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(props.items ?? []).map((l) => (
            <tr key={l.id}>
              <td>{l.name}</td>
              <td>{l.address ?? '—'}</td>
              <td>{l.timezone ?? '—'}</td>
              <td class="row-actions">
                {admin ? (
                  <>
                    <button type="button" class="secondary" aria-label={`Edit ${l.name}`} onClick={() => setForm({ id: l.id, name: l.name, address: l.address ?? '', timezone: l.timezone ?? '' })}>Edit</button>
                    <button type="button" class="danger" aria-label={`Delete ${l.name}`} onClick={() => setRemoving(l)}>Delete…</button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin ? (
        <form onSubmit={submit} aria-label={form.id ? 'Edit location' : 'New location'} noValidate>
          <ProblemBanner problem={save.problem} title="Not saved" />
          <div class="grid2">
            <TextField label="Location name" name="loc-name" value={form.name} onValue={(v) => setForm({ ...form, name: v })} error={fieldError(save.problem, 'name')} />
            <TextField label="Address" name="loc-address" value={form.address} onValue={(v) => setForm({ ...form, address: v })} error={fieldError(save.problem, 'address')} />
            <TextField label="Time zone" name="loc-timezone" value={form.timezone} onValue={(v) => setForm({ ...form, timezone: v })} hint="e.g. America/Los_Angeles" error={fieldError(save.problem, 'timezone')} />
          </div>
          <button type="submit" disabled={save.busy}>{form.id ? 'Save location' : 'Create location'}</button>
        </form>
      ) : null}
      {removing ? (
        <ConfirmDialog title={`Delete ${removing.name}?`} confirmLabel="Delete location" danger busy={remove.busy} onConfirm={() => void doRemove(removing)} onCancel={() => setRemoving(undefined)}>
          <ProblemBanner problem={remove.problem} title="Not deleted" />
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function Agents(props: { items: Agent[] | undefined; problem: ReturnType<typeof useLoad>['problem']; phones: (readonly [string, string])[]; onChanged(message: string): void }) {
  const { api, session } = useApp();
  const [form, setForm] = useState({ id: '', name: '', inboundPhone: '', outboundPhone: '' });
  const save = useAction();
  const remove = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await save.act(() =>
      form.id
        ? run(api.PATCH('/v1/agents/{id}', { params: { path: { id: form.id } }, body: { name: form.name, inboundPhone: form.inboundPhone || null, outboundPhone: form.outboundPhone || null } }))
        : run(api.POST('/v1/agents', { body: { name: form.name, ...(form.inboundPhone ? { inboundPhone: form.inboundPhone } : {}), ...(form.outboundPhone ? { outboundPhone: form.outboundPhone } : {}) } })),
    );
    if (r?.ok) {
      props.onChanged(`Agent ${r.data.name} ${form.id ? 'saved' : 'created'}.`);
      setForm({ id: '', name: '', inboundPhone: '', outboundPhone: '' });
    }
  };
  const doRemove = async (a: Agent) => {
    const r = await remove.act(() => run(api.DELETE('/v1/agents/{id}', { params: { path: { id: a.id } } })));
    if (r?.ok) props.onChanged(`Agent ${a.name} deleted.`);
  };
  const phoneOptions = [['', 'None'] as const, ...props.phones];
  return (
    <div class="card">
      <h2>Agents</h2>
      <ProblemBanner problem={props.problem ?? remove.problem} />
      <table class="grid" aria-label="Agents">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Answers</th>
            <th scope="col">Calls from</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {(props.items ?? []).map((a) => (
            <tr key={a.id}>
              <td>{a.name}</td>
              <td>{a.inboundPhone ?? '—'}</td>
              <td>{a.outboundPhone ?? '—'}</td>
              <td class="row-actions">
                <button type="button" class="secondary" aria-label={`Edit ${a.name}`} onClick={() => setForm({ id: a.id, name: a.name, inboundPhone: a.inboundPhone ?? '', outboundPhone: a.outboundPhone ?? '' })}>Edit</button>
                {isAdmin(session) ? <button type="button" class="danger" aria-label={`Delete ${a.name}`} disabled={remove.busy} onClick={() => void doRemove(a)}>Delete</button> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit} aria-label={form.id ? 'Edit agent' : 'New agent'} noValidate>
        <ProblemBanner problem={save.problem} title="Not saved" />
        <div class="grid2">
          <TextField label="Agent name" name="agent-name" value={form.name} onValue={(v) => setForm({ ...form, name: v })} error={fieldError(save.problem, 'name')} />
          <SelectField label="Answers (inbound number)" name="agent-inbound" value={form.inboundPhone} onValue={(v) => setForm({ ...form, inboundPhone: v })} options={phoneOptions} error={fieldError(save.problem, 'inboundPhone')} />
          <SelectField label="Calls from (outbound number)" name="agent-outbound" value={form.outboundPhone} onValue={(v) => setForm({ ...form, outboundPhone: v })} options={phoneOptions} error={fieldError(save.problem, 'outboundPhone')} />
        </div>
        <button type="submit" disabled={save.busy}>{form.id ? 'Save agent' : 'Create agent'}</button>
      </form>
    </div>
  );
}
