/**
 * A string matching a regular expression of the simple kind API schemas use (anchors, literals,
 * escapes, character classes, groups, alternatives, quantifiers; lookaheads are skipped): the shortest
 * repetition of each part, the first alternative of each group, class characters in turn.
 * Undefined when the pattern uses something else (backreferences, …).
 */
export function samplePattern(pattern: string, minLength = 0): string | undefined {
  // Preferably one that also matches without Unicode semantics, as some validators read patterns so.
  const legacy = (() => {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  })();
  let fallback: string | undefined;
  for (let extra = 0; extra <= Math.max(minLength, 0); extra++) {
    for (let offset = 0; offset < 8; offset++) {
      const sample = sampleWith(pattern, extra, offset);
      if (sample === undefined || sample.length < minLength) continue;
      if (!legacy || legacy.test(sample)) return sample;
      fallback ??= sample;
    }
    if (fallback !== undefined) return fallback;
  }
  return undefined;
}

/** The sample with `extra` more repetitions of each part that may repeat, class characters from `offset` on. */
function sampleWith(pattern: string, extra: number, offset: number): string | undefined {
  let i = 0;
  let turn = offset;
  const classChars = (body: string): string[] => {
    if (body.startsWith('^')) return ['a', 'x', '1', '_', '-', ' '].filter((c) => new RegExp(`[${body}]`, 'u').test(c));
    const chars: string[] = [];
    for (let j = 0; j < body.length; j++) {
      let c = body[j]!;
      if (c === '\\') {
        const e = body[++j]!;
        const property = /^\{(\w+)\}/.exec(body.slice(j + 1));
        if ((e === 'p' || e === 'P') && property) {
          // \p{L}: its own letters (p, L), which Unicode-aware and legacy readings both accept.
          chars.push(e, ...property[1]!);
          j += property[0].length;
          continue;
        }
        chars.push(...(e === 'd' ? ['1', '2', '3'] : e === 'w' ? ['a', 'b', '1'] : e === 's' ? [' '] : [e]));
        continue;
      }
      if (body[j + 1] === '-' && j + 2 < body.length) {
        const end = body[j + 2]!;
        for (let code = c.charCodeAt(0); code <= end.charCodeAt(0); code++) chars.push(String.fromCharCode(code));
        j += 2;
        continue;
      }
      chars.push((c = body[j]!));
    }
    return chars;
  };
  // Parses alternatives until `)` or the end; returns the first alternative's sample.
  function alternatives(): string | undefined {
    const first = sequence();
    while (pattern[i] === '|') {
      i++;
      if (sequence() === undefined) return undefined;
    }
    return first;
  }
  function sequence(): string | undefined {
    let out = '';
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') {
      let atom: () => string | undefined;
      const c = pattern[i]!;
      if (c === '^' || c === '$') {
        i++;
        continue;
      }
      if (c === '(') {
        const lookahead = pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i);
        i += pattern.startsWith('(?', i) ? 3 : 1;
        const start = i;
        const inner = alternatives();
        if (pattern[i] !== ')' || inner === undefined) return undefined;
        const end = i++;
        if (lookahead) continue;
        const source = pattern.slice(start, end);
        atom = () => {
          const saved = i;
          i = start;
          const again = alternatives();
          i = saved;
          return again ?? source;
        };
      } else if (c === '[') {
        const end = pattern.indexOf(']', i + 2);
        if (end < 0) return undefined;
        const chars = classChars(pattern.slice(i + 1, end));
        i = end + 1;
        if (!chars.length) return undefined;
        atom = () => chars[turn++ % chars.length]!;
      } else if (c === '\\') {
        const e = pattern[i + 1]!;
        i += 2;
        if (/[1-9bBk]/.test(e)) return undefined;
        const chars = e === 'd' ? ['4', '1', '5'] : e === 'w' ? ['a', 'b', 'c'] : e === 's' ? [' '] : [e];
        atom = () => chars[turn++ % chars.length]!;
      } else if (c === '.') {
        i++;
        atom = () => 'a';
      } else {
        i++;
        atom = () => c;
      }
      let times = 1;
      const q = /^(\{(\d+)(,(\d*))?\}|\?|\*|\+)\??/.exec(pattern.slice(i));
      if (q) {
        i += q[0].length;
        const least = q[2] !== undefined ? Number(q[2]) : q[1] === '+' ? 1 : 0;
        const most = q[2] === undefined ? (q[1] === '?' ? 1 : Infinity) : q[3] === undefined ? least : q[4] ? Number(q[4]) : Infinity;
        times = Math.min(least + extra, most);
      }
      for (let n = 0; n < times; n++) {
        const part = atom();
        if (part === undefined) return undefined;
        out += part;
      }
    }
    return out;
  }
  const sample = alternatives();
  if (sample === undefined || i !== pattern.length) return undefined;
  return new RegExp(pattern, 'u').test(sample) ? sample : undefined;
}
