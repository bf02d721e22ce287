/**
 * The toll-free routing editor: primary and disaster destinations, time-of-day rules, a percentage split
 * (must total 100) and the area of service. The API checks it; its field errors appear in place.
 */
import { fieldError, type Input, type Problem } from '../client';
import { SelectField, TextField } from '../ui/fields';

export type Routing = NonNullable<Input<'/v1/tollfree/{number}/activate', 'post'>['routing']>;
type Dest = 'sip' | 'pstn';
export interface RoutingForm {
  primaryType: Dest;
  primary: string;
  disasterType: Dest;
  disaster: string;
  rules: { days: string; start: string; end: string; timezone: string; destination: string }[];
  split: { percent: string; destination: string }[];
  npas: string;
  states: string;
}

export const emptyRouting = (): RoutingForm => ({ primaryType: 'sip', primary: '', disasterType: 'pstn', disaster: '', rules: [], split: [], npas: '', states: '' });

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export function toRouting(f: RoutingForm): Routing {
  const areaOfService = { ...(list(f.npas).length ? { npas: list(f.npas) } : {}), ...(list(f.states).length ? { states: list(f.states) } : {}) };
  return {
    primary: { type: f.primaryType, destination: f.primary },
    ...(f.disaster ? { disaster: { type: f.disasterType, destination: f.disaster } } : {}),
    ...(f.rules.length ? { timeOfDay: f.rules.map((r) => ({ days: list(r.days) as ('mon' | 'tue')[], start: r.start, end: r.end, timezone: r.timezone, destination: r.destination })) } : {}),
    ...(f.split.length ? { percentage: f.split.map((s) => ({ percent: Number(s.percent), destination: s.destination })) } : {}),
    ...(Object.keys(areaOfService).length ? { areaOfService } : {}),
  };
}

export function fromRouting(r: Routing | undefined): RoutingForm {
  if (!r) return emptyRouting();
  return {
    primaryType: r.primary.type,
    primary: r.primary.destination,
    disasterType: r.disaster?.type ?? 'pstn',
    disaster: r.disaster?.destination ?? '',
    rules: (r.timeOfDay ?? []).map((t) => ({ days: t.days.join(', '), start: t.start, end: t.end, timezone: t.timezone, destination: t.destination })),
    split: (r.percentage ?? []).map((p) => ({ percent: String(p.percent), destination: p.destination })),
    npas: r.areaOfService?.npas?.join(', ') ?? '',
    states: r.areaOfService?.states?.join(', ') ?? '',
  };
}

const TYPES = [['sip', 'SIP URI'], ['pstn', 'Phone number']] as const;

export function RoutingEditor({ form, onChange, problem }: { form: RoutingForm; onChange(f: RoutingForm): void; problem: Problem | undefined }) {
  const err = (path: string) => fieldError(problem, `routing.${path}`);
  const total = form.split.reduce((sum, s) => sum + (Number(s.percent) || 0), 0);
  const setRule = (i: number, k: keyof RoutingForm['rules'][number], v: string) => onChange({ ...form, rules: form.rules.map((r, j) => (j === i ? { ...r, [k]: v } : r)) });
  const setSplit = (i: number, k: 'percent' | 'destination', v: string) => onChange({ ...form, split: form.split.map((s, j) => (j === i ? { ...s, [k]: v } : s)) });
  return (
    <fieldset>
      <legend>Routing</legend>
      {err('') ? <p class="field-error" data-field-error="routing">{err('')}</p> : null}
      <div class="grid2">
        <SelectField label="Primary type" name="rt-primary-type" value={form.primaryType} onValue={(v) => onChange({ ...form, primaryType: v as Dest })} options={TYPES} />
        <TextField label="Primary destination" name="rt-primary" value={form.primary} onValue={(v) => onChange({ ...form, primary: v })} error={err('primary')} />
        <SelectField label="Disaster type" name="rt-disaster-type" value={form.disasterType} onValue={(v) => onChange({ ...form, disasterType: v as Dest })} options={TYPES} />
        <TextField label="Disaster destination" name="rt-disaster" value={form.disaster} onValue={(v) => onChange({ ...form, disaster: v })} error={err('disaster')} />
      </div>
      <fieldset>
        <legend>Time-of-day rules</legend>
        {form.rules.map((r, i) => (
          <div class="grid2" key={i} role="group" aria-label={`Rule ${i + 1}`}>
            <TextField label={`Rule ${i + 1} days`} name={`rt-rule-${i}-days`} value={r.days} onValue={(v) => setRule(i, 'days', v)} hint="mon, tue …" error={err(`timeOfDay.${i}.days`)} />
            <TextField label={`Rule ${i + 1} start`} name={`rt-rule-${i}-start`} value={r.start} onValue={(v) => setRule(i, 'start', v)} hint="HH:MM" error={err(`timeOfDay.${i}.start`)} />
            <TextField label={`Rule ${i + 1} end`} name={`rt-rule-${i}-end`} value={r.end} onValue={(v) => setRule(i, 'end', v)} error={err(`timeOfDay.${i}.end`)} />
            <TextField label={`Rule ${i + 1} time zone`} name={`rt-rule-${i}-tz`} value={r.timezone} onValue={(v) => setRule(i, 'timezone', v)} error={err(`timeOfDay.${i}.timezone`)} />
            <TextField label={`Rule ${i + 1} destination`} name={`rt-rule-${i}-dest`} value={r.destination} onValue={(v) => setRule(i, 'destination', v)} error={err(`timeOfDay.${i}.destination`)} />
            <button type="button" class="secondary" onClick={() => onChange({ ...form, rules: form.rules.filter((_, j) => j !== i) })}>Remove rule {i + 1}</button>
          </div>
        ))}
        {err('timeOfDay') ? <p class="field-error" data-field-error="rt-rules">{err('timeOfDay')}</p> : null}
        <button type="button" class="secondary" onClick={() => onChange({ ...form, rules: [...form.rules, { days: 'mon, tue, wed, thu, fri', start: '09:00', end: '17:00', timezone: 'America/New_York', destination: '' }] })}>Add a time-of-day rule</button>
      </fieldset>
      <fieldset>
        <legend>Percentage split</legend>
        {form.split.map((s, i) => (
          <div class="grid2" key={i} role="group" aria-label={`Share ${i + 1}`}>
            <TextField label={`Share ${i + 1} percent`} name={`rt-split-${i}-percent`} type="number" min={1} max={100} value={s.percent} onValue={(v) => setSplit(i, 'percent', v)} error={err(`percentage.${i}.percent`)} />
            <TextField label={`Share ${i + 1} destination`} name={`rt-split-${i}-dest`} value={s.destination} onValue={(v) => setSplit(i, 'destination', v)} error={err(`percentage.${i}.destination`)} />
          </div>
        ))}
        {form.split.length ? <p class={total === 100 ? 'hint' : 'field-error'} aria-live="polite">Total {total}% (must be 100%)</p> : null}
        {problem?.fields['routing.percentage'] ? <p class="field-error" data-field-error="rt-split">{problem.fields['routing.percentage']}</p> : null}
        <button type="button" class="secondary" onClick={() => onChange({ ...form, split: [...form.split, { percent: '', destination: '' }] })}>Add a share</button>
      </fieldset>
      <div class="grid2">
        <TextField label="Area of service: NPAs" name="rt-npas" value={form.npas} onValue={(v) => onChange({ ...form, npas: v })} hint="comma-separated, e.g. 212, 646" error={err('areaOfService.npas')} />
        <TextField label="Area of service: states" name="rt-states" value={form.states} onValue={(v) => onChange({ ...form, states: v })} hint="e.g. NY, NJ" error={err('areaOfService.states')} />
      </div>
    </fieldset>
  );
}
