/**
 * Marks the schema building of a source file as pure for esbuild, so that a function's bundle builds
 * only the schemas it uses (scripts/build-functions.ts, zodNamespaceImport).
 *
 * esbuild drops an unused top-level constant only if evaluating its initializer has no side effect it
 * can see. A call has one unless it is marked `/* @__PURE__ *\/`, and the mark covers that call alone:
 * `/* @__PURE__ *\/ z.object({ id: z.string() })` is still kept, for its argument's `z.string()`. So
 * every call of a schema constant's initializer is marked, down into object literals, arrays and
 * arguments, but not into function bodies (a `.refine((v) => …)` callback runs when a value is parsed,
 * not when the schema is built).
 *
 * A schema constant is a top-level `const` whose initializer is a call chain rooted at `z` or at an
 * identifier of the program (`Name(64)`, `Resource.extend(…)`, `page(Agent)`); one rooted at a global
 * of the language (`Object.fromEntries(…)`) is left as it is. Building a schema has no effect but its
 * value: `.meta()` and `.describe()` also record the schema in zod's global registry, which only the
 * OpenAPI generation reads, and no function bundle generates it (the `openapi` function serves the
 * document made at build time).
 */
import ts from 'typescript';

/** Globals whose calls are left unmarked (not schema building). */
const LANGUAGE_GLOBALS = new Set(['Object', 'Array', 'Math', 'JSON', 'Number', 'String', 'Symbol', 'Date', 'Reflect', 'Promise', 'Buffer', 'URL', 'process', 'console', 'globalThis']);

const PURE = '/* @__PURE__ */ ';

/** The identifier a call chain starts from (`z` of `z.string().min(1)`), if it starts from one. */
function rootOf(expression: ts.Expression): string | undefined {
  let e: ts.Expression = expression;
  for (;;) {
    if (ts.isCallExpression(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
    else if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    else break;
  }
  return ts.isIdentifier(e) ? e.text : undefined;
}

const unwrap = (e: ts.Expression): ts.Expression => (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) ? unwrap(e.expression) : e);

/** `source` with every call of each schema constant's initializer marked pure (TypeScript source in, TypeScript out). */
export function markSchemaBuildingPure(source: string, fileName = 'file.ts'): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const positions = new Set<number>();
  const visit = (node: ts.Node): void => {
    if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) return;
    if (ts.isCallExpression(node)) positions.add(node.getStart(file));
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer && unwrap(declaration.initializer);
      if (!init || !ts.isCallExpression(init)) continue;
      const root = rootOf(init);
      if (root === undefined || LANGUAGE_GLOBALS.has(root)) continue;
      visit(init);
    }
  }
  if (!positions.size) return source;
  // Chained calls share a start (`z.string().min(1)`): one mark there, which esbuild applies to the chain.
  const at = [...positions].sort((a, b) => b - a);
  let out = source;
  for (const p of at) if (!out.slice(Math.max(0, p - PURE.length), p).includes('@__PURE__')) out = out.slice(0, p) + PURE + out.slice(p);
  return out;
}

