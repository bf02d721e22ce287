/** Labelled form controls; an error (from the API or the form) is shown under its own field. */
import type { ComponentChildren } from 'preact';

let counter = 0;
const nextId = (name: string) => `f-${name.replace(/\W/g, '-')}-${++counter}`;

interface Base {
  label: string;
  name: string;
  error?: string | undefined;
  hint?: string;
}

function Wrap(props: Base & { id: string; children: ComponentChildren }) {
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field-error" id={`${props.id}-error`} data-field-error={props.name}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** The input attributes the console's fields use. */
interface InputExtras {
  id?: string;
  type?: 'text' | 'password' | 'email' | 'url' | 'tel' | 'number' | 'datetime-local' | 'search';
  required?: boolean;
  pattern?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  step?: number;
  inputMode?: 'numeric' | 'text' | 'tel';
  autoComplete?: string;
  placeholder?: string;
  disabled?: boolean;
}

const describedBy = (id: string, p: Base) =>
  [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextField(
  props: Base & { value: string; onValue: (v: string) => void } & InputExtras,
) {
  const { label, name, error, hint, value, onValue, id: given, ...rest } = props;
  const id = (given as string | undefined) ?? stableId(name);
  return (
    <Wrap label={label} name={name} error={error} {...(hint ? { hint } : {})} id={id}>
      <input
        {...(rest as {})}
        id={id}
        name={name}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy(id, props)}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
      />
    </Wrap>
  );
}

export function SelectField(
  props: Base & { value: string; onValue: (v: string) => void; options: readonly (readonly [string, string])[]; required?: boolean; disabled?: boolean },
) {
  const id = stableId(props.name);
  return (
    <Wrap label={props.label} name={props.name} error={props.error} {...(props.hint ? { hint: props.hint } : {})} id={id}>
      <select
        id={id}
        name={props.name}
        value={props.value}
        required={props.required}
        disabled={props.disabled}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props)}
        onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </Wrap>
  );
}

export function CheckboxField(props: { label: string; name: string; checked: boolean; onChecked: (v: boolean) => void }) {
  const id = stableId(props.name);
  return (
    <div class="check">
      <input id={id} type="checkbox" name={props.name} checked={props.checked} onChange={(e) => props.onChecked((e.currentTarget as HTMLInputElement).checked)} />
      <label for={id}>{props.label}</label>
    </div>
  );
}

/** Ids stay the same across renders of one field name within a page (inputs keep focus). */
const ids = new Map<string, string>();
function stableId(name: string): string {
  let id = ids.get(name);
  if (!id) ids.set(name, (id = nextId(name)));
  return id;
}
