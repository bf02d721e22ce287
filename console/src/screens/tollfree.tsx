/** Toll-free desk: search (random, pattern, vanity), reserve, activate with routing, routing now or scheduled, text enablement. */
import { useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run, type Body } from '../client';
import { isAdmin, useApp } from '../context';
import { CheckboxField, SelectField, TextField } from '../ui/fields';
import { Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useIdempotencyKeys } from '../ui/hooks';
import { NumberPanel } from './tollfree-number';
import { settle } from './tollfree-settle';
import { Transfers } from './tollfree-transfers';

type Found = Extract<Body<'/v1/tollfree/available', 'get'>, { mode: string }>['data'][number];
export function TollfreeScreen() {
  const { api, session } = useApp();
  const [q, setQ] = useState({ mode: 'random', npa: '833', nxx: '', quantity: '5', pattern: '', vanity: '' });
  const [found, setFound] = useState<Found[]>();
  const [picked, setPicked] = useState<string[]>([]);
  const [contact, setContact] = useState({ name: '', phone: '' });
  const [selected, setSelected] = useState<string>();
  const [opened, setOpened] = useState(0);
  const [notice, setNotice] = useState<string>();
  const search = useAction();
  const reserve = useAction();
  const keyFor = useIdempotencyKeys(idempotencyKey);
  const set = (k: keyof typeof q) => (v: string) => setQ({ ...q, [k]: v });
  const doSearch = async (e: Event) => {
    e.preventDefault();
    const query = q.mode === 'pattern' ? { pattern: q.pattern } : q.mode === 'vanity' ? { vanity: q.vanity, npa: q.npa as '833' } : { npa: q.npa as '833', quantity: Number(q.quantity), ...(q.nxx ? { nxx: q.nxx } : {}) };
    const r = await search.act(() => run(api.GET('/v1/tollfree/available', { params: { query } })));
    if (r?.ok && 'data' in r.data) {
      setFound(r.data.data);
      setPicked([]);
    }
  };
  const doReserve = async (e: Event) => {
    e.preventDefault();
    const body = { numbers: picked, contactName: contact.name, contactPhone: contact.phone };
    const first = await reserve.act(() => run(api.POST('/v1/tollfree/reservations', { params: { header: { 'Idempotency-Key': keyFor(body) } }, body })));
    const r = first?.ok ? await settle(api, first) : first;
    if (r && !r.ok) reserve.setProblem(r.problem);
    if (r?.ok && 'data' in r.data) {
      setNotice(`Reserved ${r.data.data.map((n) => n.phoneNumber).join(', ')}${r.data.failed.length ? `; not reserved: ${r.data.failed.map((f) => `${f.number} (${f.reason})`).join(', ')}` : ''}.`);
      setSelected(r.data.data[0]?.id);
    }
  };
  return (
    <section aria-labelledby="screen-title">
      <h1 id="screen-title" tabIndex={-1}>Toll-free desk</h1>
      {notice ? <Notice>{notice}</Notice> : null}
      <form class="filters" aria-label="Search toll-free numbers" onSubmit={doSearch} noValidate>
        <SelectField label="Search by" name="tf-mode" value={q.mode} onValue={set('mode')} options={[['random', 'Random'], ['pattern', 'Pattern'], ['vanity', 'Vanity word']]} />
        {q.mode !== 'pattern' ? <SelectField label="Prefix (NPA)" name="tf-npa" value={q.npa} onValue={set('npa')} options={['800', '833', '844', '855', '866', '877', '888'].map((n) => [n, n] as const)} /> : null}
        {q.mode === 'random' ? <TextField label="NXX (optional)" name="tf-nxx" value={q.nxx} onValue={set('nxx')} error={fieldError(search.problem, 'nxx')} /> : null}
        {q.mode === 'random' ? <TextField label="How many" name="tf-quantity" type="number" min={1} max={10} value={q.quantity} onValue={set('quantity')} error={fieldError(search.problem, 'quantity')} /> : null}
        {q.mode === 'pattern' ? <TextField label="Pattern" name="tf-pattern" value={q.pattern} onValue={set('pattern')} hint="10 digits, * for any: 833555****" error={fieldError(search.problem, 'pattern')} /> : null}
        {q.mode === 'vanity' ? <TextField label="Vanity word" name="tf-vanity" value={q.vanity} onValue={set('vanity')} hint="e.g. FLOWERS" error={fieldError(search.problem, 'vanity')} /> : null}
        <div class="filter-actions"><button type="submit" disabled={search.busy}>Search</button></div>
      </form>
      <ProblemBanner problem={search.problem} title="Search failed" />
      {found ? (
        <form class="card" aria-label="Reserve numbers" onSubmit={doReserve} noValidate>
          <h2>Spare numbers</h2>
          {found.length ? found.map((n) => (
            <CheckboxField key={n.number} label={n.phoneNumber} name={`tf-pick-${n.number}`} checked={picked.includes(n.number)} onChecked={(on) => setPicked(on ? [...picked, n.number] : picked.filter((p) => p !== n.number))} />
          )) : <p>No spare numbers match.</p>}
          {isAdmin(session) ? (
            <>
              <ProblemBanner problem={reserve.problem} title="Not reserved" />
              <div class="grid2">
                <TextField label="Contact name" name="tf-contact-name" value={contact.name} onValue={(v) => setContact({ ...contact, name: v })} error={fieldError(reserve.problem, 'contactName')} />
                <TextField label="Contact phone" name="tf-contact-phone" type="tel" value={contact.phone} onValue={(v) => setContact({ ...contact, phone: v })} error={fieldError(reserve.problem, 'contactPhone')} />
              </div>
              <button type="submit" disabled={!picked.length || reserve.busy}>Reserve {picked.length || ''} selected</button>
            </>
          ) : null}
        </form>
      ) : null}
      <OpenNumber onOpen={(n) => { setSelected(n); setOpened((o) => o + 1); }} />
      {selected ? <NumberPanel key={`${selected}-${opened}`} number={selected} /> : null}
      <Transfers />
    </section>
  );
}

function OpenNumber({ onOpen }: { onOpen(n: string): void }) {
  const [n, setN] = useState('');
  return (
    <form class="filters" aria-label="Open a toll-free number" onSubmit={(e) => { e.preventDefault(); onOpen(n.replace(/\D/g, '').replace(/^1(?=\d{10}$)/, '')); }}>
      <TextField label="Toll-free number" name="tf-open" value={n} onValue={setN} />
      <div class="filter-actions"><button type="submit" class="secondary">Open</button></div>
    </form>
  );
}
