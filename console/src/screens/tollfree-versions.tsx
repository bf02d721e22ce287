/** A toll-free number's routing versions: the current one and the pending (future-dated) ones; an admin can cancel a pending one. */
import { useState } from 'preact/hooks';
import { run, type Body } from '../client';
import { useApp } from '../context';
import { ConfirmDialog } from '../ui/dialog';
import { Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useLoad } from '../ui/hooks';

type Version = Body<'/v1/tollfree/{number}/routing', 'get'>['data'][number];

const when = (v: Version) => (v.effectiveAt ? new Date(v.effectiveAt).toLocaleString() : '—');

/** `refresh` changes whenever the routing may have changed (a save elsewhere on the panel): the list loads again. */
export function RoutingVersions({ number, admin, refresh }: { number: string; admin: boolean; refresh: number }) {
  const { api } = useApp();
  const list = useLoad(() => run(api.GET('/v1/tollfree/{number}/routing', { params: { path: { number } } })), [number, refresh]);
  const [confirm, setConfirm] = useState<Version>();
  const [notice, setNotice] = useState<string>();
  const cancel = useAction();
  const doCancel = async (v: Version) => {
    const r = await cancel.act(() => run(api.DELETE('/v1/tollfree/{number}/routing/{versionId}', { params: { path: { number, versionId: v.id } } })));
    setConfirm(undefined);
    if (r?.ok) {
      setNotice(`Routing change for ${when(v)} cancelled.`);
      list.reload();
    }
  };
  const versions = list.data?.data ?? [];
  return (
    <div aria-labelledby="rtv-title">
      <h3 id="rtv-title">Routing versions</h3>
      <ProblemBanner problem={list.problem} />
      <ProblemBanner problem={cancel.problem} title="Not cancelled" />
      {notice ? <Notice>{notice}</Notice> : null}
      {versions.length ? (
        <table class="grid" aria-labelledby="rtv-title">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Takes effect</th>
              <th scope="col">Primary destination</th>
              <th scope="col">Mode</th>
              {admin ? <th scope="col"><span class="sr-only">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.id}>
                <td><StatusBadge status={v.status} /></td>
                <td>{v.effectiveAt ? <time dateTime={v.effectiveAt}>{when(v)}</time> : '—'}</td>
                <td>{v.routing?.primary.destination ?? '—'}</td>
                <td>{v.mode}</td>
                {admin ? (
                  <td>
                    {v.status === 'pending' ? (
                      <button type="button" class="secondary" aria-label={`Cancel the routing change for ${when(v)}`} disabled={cancel.busy} onClick={() => setConfirm(v)}>
                        Cancel
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : list.loading ? null : <p>No routing yet.</p>}
      {confirm ? (
        <ConfirmDialog title="Cancel this routing change?" confirmLabel="Cancel the change" danger busy={cancel.busy} onConfirm={() => void doCancel(confirm)} onCancel={() => setConfirm(undefined)}>
          <p>
            The change to {confirm.routing?.primary.destination ?? 'the new routing'} ({confirm.mode}) set for {when(confirm)} is withdrawn at the registry. The current routing stays.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
