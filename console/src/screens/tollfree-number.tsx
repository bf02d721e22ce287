/** One toll-free number: its facts, activation or a routing change (now or scheduled), routing versions, text on/off, release or disconnect. */
import { useState } from 'preact/hooks';
import { fieldError, run, type Body } from '../client';
import { isAdmin, useApp } from '../context';
import { SelectField, TextField } from '../ui/fields';
import { Notice, ProblemBanner, StatusBadge } from '../ui/feedback';
import { useAction, useLoad } from '../ui/hooks';
import { fromRouting, RoutingEditor, toRouting, type Routing, type RoutingForm } from './tollfree-routing';
import { EndNumber } from './tollfree-end';
import { settle } from './tollfree-settle';
import { RoutingVersions } from './tollfree-versions';

export function NumberPanel({ number }: { number: string }) {
  const { api, session } = useApp();
  const tf = useLoad(() => run(api.GET('/v1/tollfree/{number}', { params: { path: { number } } })), [number]);
  const [form, setForm] = useState<RoutingForm>();
  const [when, setWhen] = useState('');
  const [mode, setMode] = useState<'normal' | 'disaster'>('normal');
  const [notice, setNotice] = useState<string>();
  const [refresh, setRefresh] = useState(0);
  const save = useAction();
  const sms = useAction();
  const t = tf.data as (Body<'/v1/tollfree/{number}', 'get'> & { routing?: Routing; status: string }) | undefined;
  const routing = form ?? fromRouting(t?.routing);
  const submit = async (e: Event) => {
    e.preventDefault();
    const effectiveAt = when ? new Date(when).toISOString() : undefined;
    const first = await save.act(() =>
      t?.status === 'reserved'
        ? run(api.POST('/v1/tollfree/{number}/activate', { params: { path: { number } }, body: { routing: toRouting(routing), ...(effectiveAt ? { effectiveAt } : {}) } }))
        : run(api.PUT('/v1/tollfree/{number}/routing', { params: { path: { number } }, body: { routing: toRouting(routing), mode, ...(effectiveAt ? { effectiveAt } : {}) } })),
    );
    const r = first?.ok ? await settle(api, first) : first;
    if (r && !r.ok) save.setProblem(r.problem);
    if (r?.ok) {
      setNotice(t?.status === 'reserved' ? 'Activated.' : effectiveAt ? `Routing change scheduled for ${new Date(effectiveAt).toLocaleString()}.` : 'Routing changed.');
      setForm(undefined);
      tf.reload();
      setRefresh((n) => n + 1);
    }
  };
  const enableSms = async () => {
    const r = await sms.act(() => run(api.POST('/v1/tollfree/{number}/sms', { params: { path: { number } }, body: { sms: true, mms: false } })));
    if (r?.ok) {
      setNotice(`Text enablement ${r.data.status}.`);
      tf.reload();
    }
  };
  const disableSms = async () => {
    const r = await sms.act(() => run(api.DELETE('/v1/tollfree/{number}/sms', { params: { path: { number } } })));
    if (r?.ok) {
      setNotice(`Text turned off (${r.data.status}).`);
      tf.reload();
    }
  };
  const admin = isAdmin(session);
  const text = t?.sms?.status;
  return (
    <div class="card" aria-labelledby="tf-title">
      <h2 id="tf-title">{t ? <>{t.phoneNumber} <StatusBadge status={t.status} /></> : `Number ${number}`}</h2>
      <ProblemBanner problem={tf.problem} />
      {notice ? <Notice>{notice}</Notice> : null}
      {t ? (
        <dl class="facts">
          <div><dt>RespOrg</dt><dd>{t.respOrgId}</dd></div>
          <div><dt>Routing mode</dt><dd>{t.routingMode ?? '—'}</dd></div>
          <div><dt>Text</dt><dd>{text ?? 'none'}{text === 'rejected' && t.sms?.reason ? <> — <span data-testid="sms-reason">{t.sms.reason.message}</span></> : null}</dd></div>
          <div><dt>Reserved until</dt><dd>{t.reservedUntil ?? '—'}</dd></div>
          {t.disconnect ? (
            <div><dt>Disconnect</dt><dd data-testid="tf-disconnect">{t.disconnect.phase ?? 'scheduled'}: stops {new Date(t.disconnect.effectiveAt).toLocaleString()}{t.disconnect.referral && t.disconnect.endInterceptAt ? `, referral until ${new Date(t.disconnect.endInterceptAt).toLocaleDateString()}` : ''}, spare from {new Date(t.disconnect.spareAt).toLocaleDateString()}</dd></div>
          ) : null}
        </dl>
      ) : null}
      {t && t.status === 'active' ? <RoutingVersions number={number} admin={admin} refresh={refresh} /> : null}
      {t && admin && (t.status === 'reserved' || t.status === 'active') ? (
        <form onSubmit={submit} aria-label={t.status === 'reserved' ? 'Activate' : 'Change routing'} noValidate>
          <ProblemBanner problem={save.problem} title={t.status === 'reserved' ? 'Not activated' : 'Routing not changed'} />
          <RoutingEditor form={routing} onChange={setForm} problem={save.problem} />
          <div class="grid2">
            <TextField label="Takes effect (empty: now)" name="tf-when" type="datetime-local" value={when} onValue={setWhen} error={fieldError(save.problem, 'effectiveAt')} />
            {t.status === 'active' ? <SelectField label="Mode" name="tf-mode-switch" value={mode} onValue={(v) => setMode(v as 'normal')} options={[['normal', 'Normal'], ['disaster', 'Disaster (all to the disaster destination)']]} /> : null}
          </div>
          <button type="submit" disabled={save.busy}>{t.status === 'reserved' ? 'Activate' : when ? 'Schedule routing change' : 'Change routing now'}</button>
        </form>
      ) : null}
      {t && admin && t.status === 'active' ? (
        <div class="actions">
          <ProblemBanner problem={sms.problem} title="Text not changed" />
          {!text || text === 'rejected' || text === 'disabled' ? <button type="button" class="secondary" disabled={sms.busy} onClick={() => void enableSms()}>Enable text messages</button> : null}
          {text === 'pending' || text === 'enabled' ? <button type="button" class="secondary" disabled={sms.busy} onClick={() => void disableSms()}>Turn text off</button> : null}
        </div>
      ) : null}
      {t && admin ? <EndNumber number={number} t={t} onDone={(m) => { setNotice(m); tf.reload(); setRefresh((n) => n + 1); }} /> : null}
    </div>
  );
}
