/** Ending a toll-free number (admin): release a reservation, or disconnect an active number (referral period, then aging, then spare). */
import { useState } from 'preact/hooks';
import { fieldError, idempotencyKey, run, type Body } from '../client';
import { useApp } from '../context';
import { ConfirmDialog } from '../ui/dialog';
import { CheckboxField, TextField } from '../ui/fields';
import { ProblemBanner } from '../ui/feedback';
import { useAction, useIdempotencyKeys } from '../ui/hooks';
import { settle } from './tollfree-settle';

type TollFree = Body<'/v1/tollfree/{number}', 'get'>;

export function EndNumber({ number, t, onDone }: { number: string; t: TollFree; onDone(message: string): void }) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  const [referral, setReferral] = useState(true);
  const [days, setDays] = useState('45');
  const [reason, setReason] = useState('');
  const end = useAction();
  const keyFor = useIdempotencyKeys(idempotencyKey);
  const reserved = t.status === 'reserved';
  const confirm = async () => {
    const body = { referral, ...(referral ? { referralDays: Number(days) } : {}), ...(reason ? { reason } : {}) };
    const first = await end.act(() =>
      reserved
        ? run(api.DELETE('/v1/tollfree/reservations/{number}', { params: { path: { number } } }))
        : run(api.DELETE('/v1/tollfree/{number}', { params: { path: { number }, header: { 'Idempotency-Key': keyFor(body) } }, body })),
    );
    const r = first?.ok ? await settle(api, first) : first;
    if (r && !r.ok) end.setProblem(r.problem);
    if (r?.ok) {
      setOpen(false);
      onDone(reserved ? 'Reservation released.' : `Disconnected${referral ? `; callers hear the referral recording for ${days} days` : ''}.`);
    }
  };
  if (!reserved && t.status !== 'active') return null;
  return (
    <div class="actions">
      {!open ? <ProblemBanner problem={end.problem} title={reserved ? 'Not released' : 'Not disconnected'} /> : null}
      <button type="button" class="danger" onClick={() => setOpen(true)}>{reserved ? 'Release reservation…' : 'Disconnect…'}</button>
      {open ? (
        <ConfirmDialog
          title={reserved ? `Release ${t.phoneNumber}?` : `Disconnect ${t.phoneNumber}?`}
          confirmLabel={reserved ? 'Release' : 'Disconnect'}
          danger
          busy={end.busy}
          onConfirm={() => void confirm()}
          onCancel={() => { setOpen(false); end.setProblem(undefined); }}
        >
          <ProblemBanner problem={end.problem} title={reserved ? 'Not released' : 'Not disconnected'} />
          {reserved ? (
            <p>The reservation ends now and the number goes back to the registry’s spare pool.</p>
          ) : (
            <>
              <p data-testid="referral-period">
                {referral
                  ? `The number stops working now. For ${days || '?'} days (the referral period) callers hear the intercept recording; then it ages and goes back to spare (at least 45 days after the disconnect).`
                  : 'The number stops working now, with no referral recording; it ages for at least 45 days and then goes back to spare.'}
              </p>
              <CheckboxField label="Play the referral (intercept) recording" name="tf-referral" checked={referral} onChecked={setReferral} />
              {referral ? <TextField label="Referral period (days, 1–120)" name="tf-referral-days" type="number" min={1} max={120} value={days} onValue={setDays} error={fieldError(end.problem, 'referralDays')} /> : null}
              <TextField label="Reason (optional)" name="tf-disconnect-reason" value={reason} onValue={setReason} error={fieldError(end.problem, 'reason')} />
            </>
          )}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
