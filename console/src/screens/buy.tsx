/** Buy: search a provider's available numbers, then buy one with location, purpose and tags. */
import { useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run, type Body, type Input, type paths } from '../client';
import { useApp } from '../context';
import { Link, useLocation } from '../router';
import { CheckboxField, SelectField, TextField } from '../ui/fields';
import { Notice, ProblemBanner } from '../ui/feedback';
import { useAction, useIdempotencyKeys } from '../ui/hooks';
import { options, useLocations } from './directory-data';

type Available = Body<'/v1/numbers/available', 'get'>['data'][number];
type SearchQuery = paths['/v1/numbers/available']['get']['parameters']['query'];
type Purchase = Extract<Input<'/v1/numbers', 'post'>, { phoneNumber: string }>;
const BUY_PROVIDERS = [['twilio', 'Twilio'], ['telnyx', 'Telnyx'], ['vonage', 'Vonage'], ['plivo', 'Plivo']] as const;
const PURPOSES = [['', 'Not set'], ['both', 'SMS and voice'], ['sms', 'SMS'], ['voice', 'Voice'], ['customer_support', 'Customer support']] as const;

export function BuyScreen() {
  const { api } = useApp();
  const { query } = useLocation(); // e.g. from the regulatory wizard: ?provider=telnyx&country=FR&type=local
  const [q, setQ] = useState(() => ({ provider: query.get('provider') ?? 'twilio', country: query.get('country') ?? 'US', type: query.get('type') ?? 'local', areaCode: '', contains: '', limit: '10' }));
  const [caps, setCaps] = useState({ sms: false, voice: false, mms: false });
  const [results, setResults] = useState<{ provider: string; data: Available[] }>();
  const [outcome, setOutcome] = useState<Record<string, 'bought' | 'taken'>>({});
  const [chosen, setChosen] = useState<Available>();
  const search = useAction();
  const set = (key: keyof typeof q) => (v: string) => setQ({ ...q, [key]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    const capabilities = Object.entries(caps).filter(([, on]) => on).map(([c]) => c).join(',');
    const query: SearchQuery = {
      provider: q.provider as SearchQuery['provider'],
      country: q.country,
      type: q.type as SearchQuery['type'],
      limit: Number(q.limit),
      ...(q.areaCode ? { areaCode: q.areaCode } : {}),
      ...(q.contains ? { contains: q.contains } : {}),
      ...(capabilities ? { capabilities } : {}),
    };
    const result = await search.act(() => run(api.GET('/v1/numbers/available', { params: { query } })));
    if (result?.ok) {
      setResults({ provider: q.provider, data: result.data.data });
      setChosen(undefined);
    }
  };
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>
        Buy numbers
      </h1>
      <form class="filters" onSubmit={submit} aria-label="Search available numbers" noValidate>
        <SelectField label="Provider" name="search-provider" value={q.provider} onValue={set('provider')} options={BUY_PROVIDERS} error={fieldError(search.problem, 'provider')} />
        <TextField label="Country" name="search-country" value={q.country} onValue={set('country')} maxLength={2} error={fieldError(search.problem, 'country')} />
        <SelectField label="Type" name="search-type" value={q.type} onValue={set('type')} options={[['local', 'Local'], ['mobile', 'Mobile'], ['toll_free', 'Toll-free'], ['national', 'National']]} />
        <TextField label="Area code" name="areaCode" value={q.areaCode} onValue={set('areaCode')} inputMode="numeric" error={fieldError(search.problem, 'areaCode')} />
        <TextField label="Pattern or vanity" name="contains" value={q.contains} onValue={set('contains')} hint="Digits, * or letters (FLOWERS)" error={fieldError(search.problem, 'contains')} />
        <TextField label="How many" name="limit" type="number" min={1} max={50} value={q.limit} onValue={set('limit')} error={fieldError(search.problem, 'limit')} />
        <fieldset class="caps">
          <legend>Capabilities</legend>
          {(['sms', 'voice', 'mms'] as const).map((c) => (
            <CheckboxField key={c} label={c.toUpperCase()} name={`cap-${c}`} checked={caps[c]} onChecked={(v) => setCaps({ ...caps, [c]: v })} />
          ))}
        </fieldset>
        <div class="filter-actions">
          <button type="submit" disabled={search.busy}>
            {search.busy ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      <ProblemBanner problem={search.problem} title="Search failed" />
      {results ? (
        <table class="grid" aria-label="Available numbers">
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Where</th>
              <th scope="col">Capabilities</th>
              <th scope="col">Monthly</th>
              <th scope="col">
                <span class="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {results.data.map((r) => (
              <tr key={r.phoneNumber}>
                <td>{r.phoneNumber}</td>
                <td>{[r.locality, r.region, r.rateCenter].filter(Boolean).join(', ') || r.country}</td>
                <td>{(['voice', 'sms', 'mms', 'fax'] as const).filter((c) => r.capabilities[c]).join(', ')}</td>
                <td>{r.monthlyCost ? `${r.monthlyCost.amount} ${r.monthlyCost.currency}` : '—'}</td>
                <td>
                  {outcome[r.phoneNumber] ? (
                    <span class={`badge badge-${outcome[r.phoneNumber] === 'bought' ? 'active' : 'error'}`}>{outcome[r.phoneNumber]}</span>
                  ) : (
                    <button type="button" class="secondary" aria-label={`Choose ${r.phoneNumber}`} onClick={() => setChosen(r)}>
                      Buy…
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {results.data.length === 0 ? (
              <tr>
                <td colSpan={5}>No numbers found: widen the search.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ) : null}
      {chosen && results ? (
        <PurchaseForm
          key={chosen.phoneNumber}
          provider={results.provider}
          number={chosen}
          onDone={(state) => {
            setOutcome({ ...outcome, [chosen.phoneNumber]: state });
            if (state === 'bought') setChosen(undefined);
          }}
        />
      ) : null}
      {Object.values(outcome).includes('bought') ? (
        <Notice>
          Bought {Object.entries(outcome).filter(([, s]) => s === 'bought').map(([n]) => n).join(', ')}. <Link href="/numbers">See them in Numbers</Link>
        </Notice>
      ) : null}
    </section>
  );
}

function PurchaseForm(props: { provider: string; number: Available; onDone(state: 'bought' | 'taken'): void }) {
  const { api } = useApp();
  const locations = useLocations(api);
  const keyFor = useIdempotencyKeys(idempotencyKey); // a repeat of the same purchase replays, never buys twice
  const [form, setForm] = useState({ displayName: '', locationId: '', purpose: '', tags: '' });
  const { busy, problem, act } = useAction();
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });
  const buy = async (e: Event) => {
    e.preventDefault();
    const body: Purchase = {
      provider: props.provider as Purchase['provider'],
      phoneNumber: props.number.phoneNumber,
      ...(form.displayName ? { displayName: form.displayName } : {}),
      ...(form.locationId ? { locationId: form.locationId } : {}),
      ...(form.purpose ? { purpose: form.purpose as NonNullable<Purchase['purpose']> } : {}),
      ...(form.tags ? { tags: form.tags.split(',').map((t) => t.trim()).filter(Boolean) } : {}),
    };
    const result = await act(() => run(api.POST('/v1/numbers', { params: { header: { 'Idempotency-Key': keyFor(body) } }, body })));
    if (result?.ok) props.onDone('bought');
    else if (result && !result.ok && result.problem.status === 409) props.onDone('taken');
  };
  const taken = problem?.status === 409;
  return (
    <form class="card" onSubmit={buy} aria-labelledby="purchase-title" noValidate>
      <h2 id="purchase-title">Buy {props.number.phoneNumber}</h2>
      {taken ? (
        <div class="banner error" role="alert">
          <strong>This number is no longer available.</strong> {problem.message} Pick another number from the results.
        </div>
      ) : (
        <ProblemBanner problem={problem} title="Not bought" />
      )}
      <div class="grid2">
        <TextField label="Display name" name="buy-displayName" value={form.displayName} onValue={set('displayName')} error={fieldError(problem, 'displayName')} />
        <SelectField label="Location" name="buy-location" value={form.locationId} onValue={set('locationId')} options={options(locations.data?.data, 'None')} error={fieldError(problem, 'locationId')} />
        <SelectField label="Purpose" name="buy-purpose" value={form.purpose} onValue={set('purpose')} options={PURPOSES} error={fieldError(problem, 'purpose')} />
        <TextField label="Tags (comma-separated)" name="buy-tags" value={form.tags} onValue={set('tags')} error={fieldError(problem, 'tags')} />
      </div>
      <button type="submit" disabled={busy || taken}>
        {busy ? 'Buying…' : `Buy ${props.number.phoneNumber}`}
      </button>
    </form>
  );
}
