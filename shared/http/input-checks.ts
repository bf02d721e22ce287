/**
 * Checks every request's input (path parameters, query, JSON body) must pass before its schema
 * sees it, whatever the endpoint: things no schema describes but that would fail far later, where
 * a provider may already have acted on them.
 *
 * - Ill-formed UTF-16: a lone surrogate (a JSON `"\ud800"` escape) passes JSON.parse and zod, but
 *   Firestore refuses to store it (and providers mangle it). Object keys count too.
 * - Nesting: Firestore stores maps and arrays at most 20 levels deep, and a request's input is
 *   stored wrapped a level or two deeper (a job item under `input`, audit snapshots under
 *   `before`/`after`, a registry request's `context`). No legitimate body comes close to
 *   MAX_INPUT_DEPTH; anything deeper is refused before a single write.
 */
export const MAX_INPUT_DEPTH = 16;

export interface InputIssue {
  path: string;
  message: string;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String.prototype.isWellFormed (Node 22), spelled out so that it typechecks against lib ES2023. */
export const isWellFormed = (value: string): boolean => !LONE_SURROGATE.test(value);

/** Ill-formed keys in an issue path: U+FFFD in their place, so the path itself is readable text. */
const printable = (key: string) => key.replace(LONE_SURROGATES, '\uFFFD');

const surrogateIssue = (path: string, what: string): InputIssue => ({
  path,
  message: `${what} is not well-formed Unicode (it holds a lone UTF-16 surrogate)`,
});

/**
 * What is wrong with a parsed input, as issues whose paths follow the validation errors'
 * convention (`body.items.0.routing`); `root` is `body`, `query` or `path`. At most `limit` issues.
 * Never descends below `maxDepth`, so even a body nested thousands deep costs little and no stack.
 */
export function inputIssues(value: unknown, root: string, maxDepth = MAX_INPUT_DEPTH, limit = 20): InputIssue[] {
  const issues: InputIssue[] = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (issues.length >= limit) return;
    if (typeof node === 'string') {
      if (!isWellFormed(node)) issues.push(surrogateIssue(path, 'value'));
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (depth > maxDepth) {
      issues.push({ path, message: `nested deeper than ${maxDepth} levels (objects and arrays)` });
      return;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && issues.length < limit; i++) visit(node[i], `${path}.${i}`, depth + 1);
      return;
    }
    for (const key of Object.keys(node)) {
      if (issues.length >= limit) return;
      const child = `${path}.${printable(key)}`;
      if (!isWellFormed(key)) issues.push(surrogateIssue(child, 'key'));
      visit((node as Record<string, unknown>)[key], child, depth + 1);
    }
  };
  // The input itself is level 1 (a body `{"a":{"b":1}}` is 2 deep).
  visit(value, root, 1);
  return issues;
}
