/** RespOrg transfers: an LOA (PDF upload), the numbers to move; the list (newest first) with expected completion, each timeline, and cancel. */
import { useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run } from '../client';
import { isAdmin, useApp } from '../context';
import { TextField } from '../ui/fields';
import { ProblemBanner } from '../ui/feedback';
import { useAction, useIdempotencyKeys, useLoad } from '../ui/hooks';
import { TransferList } from './tollfree-transfer-list';
import { uploadWithProgress } from '../upload';

export function Transfers() {
  const { api, session, apiBaseUrl } = useApp();
  const list = useLoad(() => run(api.GET('/v1/resporg/transfers', { params: { query: { limit: 20 } } })), []);
  const [numbers, setNumbers] = useState('');
  const [from, setFrom] = useState('');
  const [loa, setLoa] = useState<File>();
  const { busy, problem, act, setProblem } = useAction();
  const keyFor = useIdempotencyKeys(idempotencyKey);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!loa) return setProblem({ status: 400, code: 'VALIDATION_ERROR', message: 'Attach the signed LOA (PDF)', fields: { loaId: 'Attach the signed LOA (PDF)' } });
    const uploaded = await act(async () => uploadWithProgress<{ id: string }>(`${apiBaseUrl}/v1/resporg/loas`, await session.token(), loa, () => {}));
    if (!uploaded?.ok) return;
    const body = { numbers: numbers.split(',').map((n) => n.trim()).filter(Boolean), loaId: uploaded.data.id, ...(from ? { fromRespOrgId: from } : {}) };
    const r = await act(() => run(api.POST('/v1/resporg/transfers', { params: { header: { 'Idempotency-Key': keyFor(body) } }, body })));
    if (r?.ok) {
      setNumbers('');
      list.reload();
    }
  };
  return (
    <div class="card" aria-labelledby="transfers-title">
      <h2 id="transfers-title">RespOrg transfers</h2>
      {isAdmin(session) ? (
        <form onSubmit={submit} aria-label="New RespOrg transfer" noValidate>
          <ProblemBanner problem={problem} title="Not requested" />
          <div class="grid2">
            <TextField label="Numbers to move in" name="tr-numbers" value={numbers} onValue={setNumbers} hint="comma-separated toll-free numbers" error={fieldError(problem, 'numbers')} />
            <TextField label="From RespOrg (optional)" name="tr-from" value={from} onValue={setFrom} error={fieldError(problem, 'fromRespOrgId')} />
            <div class={`field${fieldError(problem, 'loaId') ? ' invalid' : ''}`}>
              <label for="tr-loa">Signed LOA (PDF)</label>
              <input id="tr-loa" type="file" accept="application/pdf" onChange={(e) => setLoa((e.currentTarget as HTMLInputElement).files?.[0])} />
              {fieldError(problem, 'loaId') ? <p class="field-error" data-field-error="tr-loa">{fieldError(problem, 'loaId')}</p> : null}
            </div>
          </div>
          <button type="submit" disabled={busy}>Request transfer</button>
        </form>
      ) : null}
      <TransferList list={list} admin={isAdmin(session)} />
    </div>
  );
}
