/** The tenant's RespOrg transfers, newest first: status, numbers, expected completion, timeline; an admin cancels a pending or approved one. */
import { useState } from 'preact/hooks';
import { run, type Body } from '../client';
import { useApp } from '../context';
import { ConfirmDialog } from '../ui/dialog';
import { Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useInterval, type Loaded } from '../ui/hooks';

type Page = Body<'/v1/resporg/transfers', 'get'>;
type Transfer = Page['data'][number];

const day = (s: string) => s.slice(0, 10);
const numbersOf = (t: Transfer) => (t.items.length ? t.items.map((i) => i.phoneNumber) : t.numbers ?? []).join(', ');
const cancellable = (t: Transfer) => t.direction !== 'out' && (t.status === 'pending' || t.status === 'approved');

export function TransferList({ list, admin }: { list: Loaded<Page>; admin: boolean }) {
  const { api } = useApp();
  const [confirm, setConfirm] = useState<Transfer>();
  const [notice, setNotice] = useState<string>();
  const cancel = useAction();
  const transfers = [...(list.data?.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // While the registry is still taking a transfer in, its status moves on its own: look again every few seconds.
  useInterval(list.reload, 3000, transfers.some((t) => t.status === 'submitted'));
  const doCancel = async (t: Transfer) => {
    const r = await cancel.act(() => run(api.POST('/v1/resporg/transfers/{id}/cancel', { params: { path: { id: t.id } } })));
    setConfirm(undefined);
    if (r?.ok) {
      setNotice(`Transfer of ${numbersOf(t)} ${r.data.status === 'cancelled' ? 'cancelled' : `now ${r.data.status}`}.`);
      list.reload();
    }
  };
  return (
    <>
      <ProblemBanner problem={list.problem} />
      <ProblemBanner problem={cancel.problem} title="Not cancelled" />
      {notice ? <Notice>{notice}</Notice> : null}
      {transfers.length ? (
        <table class="grid" aria-label="Transfers">
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">Status</th>
              <th scope="col">Numbers</th>
              <th scope="col">Expected completion</th>
              <th scope="col">Timeline</th>
              {admin ? <th scope="col"><span class="sr-only">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {transfers.map((t) => (
              <tr key={t.id}>
                <td><time dateTime={t.createdAt}>{new Date(t.createdAt).toLocaleString()}</time><br /><span class="muted">{t.direction === 'out' ? `out to ${t.toRespOrgId}` : `in${t.fromRespOrgId ? ` from ${t.fromRespOrgId}` : ''}`}</span></td>
                <td><StatusBadge status={t.status} /></td>
                <td>{numbersOf(t)}</td>
                <td>{t.expectedCompletion ? `${day(t.expectedCompletion.earliest)} – ${day(t.expectedCompletion.latest)}` : '—'}</td>
                <td>
                  <ol class="timeline" aria-label={`Timeline of the transfer of ${numbersOf(t)}`}>
                    {t.history.map((h, i) => (
                      <li key={i}><time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time> <strong>{h.status}</strong> ({h.source})</li>
                    ))}
                  </ol>
                </td>
                {admin ? (
                  <td>
                    {cancellable(t) ? (
                      <button type="button" class="secondary" aria-label={`Cancel the transfer of ${numbersOf(t)}`} disabled={cancel.busy} onClick={() => setConfirm(t)}>Cancel</button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : list.loading ? null : <p>No transfers yet.</p>}
      <button type="button" class="secondary" onClick={list.reload}>Refresh transfers</button>
      {confirm ? (
        <ConfirmDialog title="Cancel this transfer?" confirmLabel="Cancel the transfer" danger busy={cancel.busy} onConfirm={() => void doCancel(confirm)} onCancel={() => setConfirm(undefined)}>
          <p>The open RespOrg changes for {numbersOf(confirm)} are withdrawn at the registry; numbers already moved stay.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
