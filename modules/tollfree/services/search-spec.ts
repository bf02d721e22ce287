import { patternToDigits } from '../../../shared/domain/phone.js';
import type { SomosSearchRequest } from '../../../shared/providers/somos/client.js';
import { normalizeTollFree, RoutingMappingError, TOLL_FREE_NPAS } from '../../../shared/providers/somos/routing.js';

/**
 * Toll-free search specs (shared by GET /v1/tollfree/available and POST /v1/tollfree/reservations)
 * (pure: the API schemas use it too). Exactly one mode per request:
 * - random:   npa?, nxx?, line?, consecutive?, quantity (C: PUT /num/tfn/random {qty, npa, nxx, line, cons})
 * - wildcard: pattern=8**9**0023                      (C: PUT /num/tfn/wildcard {qty, wildCardNum})
 * - vanity:   vanity=FLOWERS [+ npa]: letters → keypad digits, then a wildcard search
 * - specific: numbers=8005551234,8335550100          (C: PUT /num/tfn/specific {numList})
 */
export type SearchMode = 'random' | 'wildcard' | 'vanity' | 'specific';

export interface SearchSpec {
  npa?: string;
  nxx?: string;
  line?: string;
  consecutive?: boolean;
  quantity?: number;
  pattern?: string;
  vanity?: string;
  numbers?: string[];
}

export interface SpecIssue {
  field: keyof SearchSpec;
  message: string;
}

export const MAX_QUANTITY = 10;

/** Which mode a spec asks for, or the reasons it is not exactly one. */
export function searchMode(spec: SearchSpec): { mode: SearchMode } | { issues: SpecIssue[] } {
  const chosen: SearchMode[] = [];
  if (spec.numbers !== undefined) chosen.push('specific');
  if (spec.pattern !== undefined) chosen.push('wildcard');
  if (spec.vanity !== undefined) chosen.push('vanity');
  if (chosen.length > 1) {
    return { issues: [{ field: modeField(chosen[1]!), message: `use exactly one of numbers, pattern or vanity (got ${chosen.map(modeField).join(' and ')})` }] };
  }
  const mode = chosen[0] ?? 'random';
  const issues: SpecIssue[] = [];
  const refuse = (field: keyof SearchSpec, why: string) => issues.push({ field, message: `${field} cannot be combined with ${why}` });
  if (mode === 'specific') {
    for (const f of ['npa', 'nxx', 'line', 'consecutive', 'quantity'] as const) if (spec[f] !== undefined) refuse(f, 'numbers (the list is the search)');
  } else if (mode === 'wildcard') {
    for (const f of ['npa', 'nxx', 'line', 'consecutive'] as const) if (spec[f] !== undefined) refuse(f, 'pattern (put the digits in the pattern)');
  } else if (mode === 'vanity') {
    for (const f of ['nxx', 'line', 'consecutive'] as const) if (spec[f] !== undefined) refuse(f, 'vanity (only npa may narrow a vanity search)');
  }
  return issues.length ? { issues } : { mode };
}

const modeField = (m: SearchMode): keyof SearchSpec => (m === 'specific' ? 'numbers' : m === 'wildcard' ? 'pattern' : m === 'vanity' ? 'vanity' : 'npa');

/** vanity (1-7 letters/digits) → a 10-character wildcard: NPA (or 8** for any toll-free NPA, G) + '*' padding + keypad digits. */
export function vanityPattern(vanity: string, npa?: string): string {
  const digits = patternToDigits(vanity.replace(/-/g, ''));
  return `${npa ?? '8**'}${'*'.repeat(Math.max(0, 7 - digits.length))}${digits}`;
}

/** Field rules (zod runs them too; repeated here so the service is safe on its own). */
export function checkSpecFields(spec: SearchSpec): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (spec.npa !== undefined && !(TOLL_FREE_NPAS as readonly string[]).includes(spec.npa)) {
    issues.push({ field: 'npa', message: `must be a toll-free NPA (${TOLL_FREE_NPAS.join(', ')})` });
  }
  if (spec.nxx !== undefined && !/^[2-9]\d{2}$/.test(spec.nxx)) issues.push({ field: 'nxx', message: 'must be 3 digits, the first 2-9' });
  if (spec.line !== undefined && !/^\d{4}$/.test(spec.line)) issues.push({ field: 'line', message: 'must be 4 digits' });
  if (spec.quantity !== undefined && (!Number.isInteger(spec.quantity) || spec.quantity < 1 || spec.quantity > MAX_QUANTITY)) {
    issues.push({ field: 'quantity', message: `must be a whole number from 1 to ${MAX_QUANTITY} (larger searches go through bulk jobs)` });
  }
  if (spec.pattern !== undefined && !/^8[0-9*]{9}$/.test(spec.pattern)) {
    issues.push({ field: 'pattern', message: "must be 10 characters starting with 8: digits and '*' for any digit (e.g. 8**9**0023)" });
  }
  if (spec.vanity !== undefined && !/^[A-Za-z0-9]{1,7}$/.test(spec.vanity.replace(/-/g, ''))) {
    issues.push({ field: 'vanity', message: 'must be 1-7 letters or digits (the end of the number, e.g. FLOWERS)' });
  }
  if (spec.numbers !== undefined) {
    if (spec.numbers.length === 0 || spec.numbers.length > MAX_QUANTITY) issues.push({ field: 'numbers', message: `must list 1 to ${MAX_QUANTITY} numbers` });
    spec.numbers.forEach((n) => {
      try {
        normalizeTollFree(n);
      } catch (err) {
        issues.push({ field: 'numbers', message: err instanceof RoutingMappingError ? err.message.replace(/^num: /, '') : `'${n}' is not a toll-free number` });
      }
    });
  }
  return issues;
}

export interface ResolvedSearch {
  mode: SearchMode;
  request: SomosSearchRequest;
  /** The wildcard sent (wildcard and vanity modes). */
  pattern?: string;
}

/** A valid spec → the registry request (throws on an invalid spec: validate first). */
export function toSomosSearch(spec: SearchSpec, defaultQuantity: number): ResolvedSearch {
  const m = searchMode(spec);
  if ('issues' in m) throw new Error(m.issues.map((i) => i.message).join('; '));
  const qty = spec.quantity ?? defaultQuantity;
  switch (m.mode) {
    case 'specific':
      return { mode: 'specific', request: { kind: 'specific', numbers: [...new Set(spec.numbers!.map((n) => normalizeTollFree(n)))] } };
    case 'wildcard':
      return { mode: 'wildcard', pattern: spec.pattern!, request: { kind: 'wildcard', qty, pattern: spec.pattern! } };
    case 'vanity': {
      const pattern = vanityPattern(spec.vanity!, spec.npa);
      return { mode: 'vanity', pattern, request: { kind: 'wildcard', qty, pattern } };
    }
    case 'random':
      return {
        mode: 'random',
        request: {
          kind: 'random',
          qty,
          ...(spec.npa !== undefined ? { npa: spec.npa } : {}),
          ...(spec.nxx !== undefined ? { nxx: spec.nxx } : {}),
          ...(spec.line !== undefined ? { line: spec.line } : {}),
          ...(spec.consecutive !== undefined ? { consecutive: spec.consecutive } : {}),
        },
      };
  }
}
