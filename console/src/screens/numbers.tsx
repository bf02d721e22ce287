/** Numbers: the tenant's inventory with filters, pages and a detail panel. */
import { useState } from 'preact/hooks';
import { run, type Body, type paths } from '../client';
import { useApp } from '../context';
import { Link } from '../router';
import { SelectField, TextField } from '../ui/fields';
import { Loading, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useLoad } from '../ui/hooks';
import { NumberDetail } from './number-detail';
import { options, useAgents, useLocations } from './directory-data';

export type NumberItem = Body<'/v1/numbers', 'get'>['data'][number];
type Query = NonNullable<paths['/v1/numbers']['get']['parameters']['query']>;

export const PROVIDERS = [['twilio', 'Twilio'], ['telnyx', 'Telnyx'], ['vonage', 'Vonage'], ['plivo', 'Plivo'], ['vapi', 'Vapi']] as const;
const STATUSES = ['active', 'inactive', 'pending', 'error', 'released'] as const;

interface Filters {
  provider: string;
  status: string;
  locationId: string;
  agentId: string;
  tag: string;
  q: string;
}
const empty: Filters = { provider: '', status: '', locationId: '', agentId: '', tag: '', q: '' };

export function NumbersScreen() {
  const { api } = useApp();
  const [draft, setDraft] = useState<Filters>(empty);
  const [filters, setFilters] = useState<Filters>(empty);
  const [cursors, setCursors] = useState<string[]>([]); // cursors of the pages before this one
  const [cursor, setCursor] = useState<string | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  const [perPage, setPerPage] = useState('20');
  const locations = useLocations(api);
  const agents = useAgents(api);
  const list = useLoad(() => {
    const query = Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) as Record<string, string>;
    return run(api.GET('/v1/numbers', { params: { query: { ...query, limit: Number(perPage), ...(cursor ? { cursor } : {}) } as Query } }));
  }, [filters, cursor, perPage]);
  const set = (key: keyof Filters) => (v: string) => setDraft({ ...draft, [key]: v });
  const apply = (e: Event) => {
    e.preventDefault();
    setCursors([]);
    setCursor(undefined);
    setFilters(draft);
  };
  return (
    <section aria-labelledby="screen-title">
      <div class="title-row">
        <h1 id="screen-title" tabIndex={-1}>
          Numbers
        </h1>
        <Link class="button" href="/buy">
          Buy numbers
        </Link>
      </div>
      <form class="filters" onSubmit={apply} aria-label="Filter numbers">
        <TextField label="Search" name="q" value={draft.q} onValue={set('q')} hint="Name prefix or 3+ digits" />
        <SelectField label="Provider" name="filter-provider" value={draft.provider} onValue={set('provider')} options={[['', 'Any'], ...PROVIDERS]} />
        <SelectField label="Status" name="filter-status" value={draft.status} onValue={set('status')} options={[['', 'Any'], ...STATUSES.map((s) => [s, s] as const)]} />
        <SelectField label="Location" name="filter-location" value={draft.locationId} onValue={set('locationId')} options={options(locations.data?.data, 'Any')} />
        <SelectField label="Agent" name="filter-agent" value={draft.agentId} onValue={set('agentId')} options={options(agents.data?.data, 'Any')} />
        <TextField label="Tag" name="filter-tag" value={draft.tag} onValue={set('tag')} />
        <SelectField label="Per page" name="per-page" value={perPage} onValue={(v) => { setCursors([]); setCursor(undefined); setPerPage(v); }} options={[['10', '10'], ['20', '20'], ['50', '50'], ['100', '100']]} />
        <div class="filter-actions">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <ProblemBanner problem={list.problem} />
      {list.loading && !list.data ? <Loading what="numbers" /> : null}
      {list.data ? (
        <>
          <p class="muted" role="status">
            {list.data.total !== undefined ? `${list.data.total} numbers match` : `Page ${cursors.length + 1}`}
          </p>
          <table class="grid" aria-label="Numbers">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Name</th>
                <th scope="col">Provider</th>
                <th scope="col">Status</th>
                <th scope="col">Location</th>
                <th scope="col">Tags</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((n) => (
                <tr key={n.id} class={selected === n.id ? 'selected' : ''}>
                  <td>
                    <button type="button" class="link" aria-expanded={selected === n.id} onClick={() => setSelected(selected === n.id ? undefined : n.id)}>
                      {n.phoneNumber}
                    </button>
                  </td>
                  <td>{n.displayName ?? '—'}</td>
                  <td>{n.provider}</td>
                  <td>
                    <StatusBadge status={n.status} />
                  </td>
                  <td>{n.locationName ?? '—'}</td>
                  <td>{n.tags.join(', ') || '—'}</td>
                </tr>
              ))}
              {list.data.data.length === 0 ? (
                <tr>
                  <td colSpan={6}>No numbers match.</td>
                </tr>
              ) : null}
            </tbody>
          </table>
          <div class="pager">
            <button
              type="button"
              class="secondary"
              disabled={!cursors.length}
              onClick={() => {
                const previous = cursors.slice(0, -1);
                setCursor(cursors[cursors.length - 1] || undefined);
                setCursors(previous);
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              class="secondary"
              disabled={!list.data.nextCursor}
              onClick={() => {
                setCursors([...cursors, cursor ?? '']);
                setCursor(list.data!.nextCursor);
              }}
            >
              Next page
            </button>
          </div>
        </>
      ) : null}
      {selected ? (
        <NumberDetail
          id={selected}
          locations={locations.data?.data ?? []}
          agents={agents.data?.data ?? []}
          onChanged={list.reload}
          onClose={() => setSelected(undefined)}
        />
      ) : null}
    </section>
  );
}
