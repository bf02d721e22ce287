/**
 * Marks the schema building of a source file as pure for esbuild, so that a function's bundle builds
 * only the schemas it uses (scripts/build-functions.ts, schemaSources).
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
 * of the language (`Object.fromEntries(…)`) is left as it is. In the files this runs on (those that
 * import zod) such a constant is always a schema or a value made from constants: nothing registers,
 * asserts or writes state at the top level of a schema file, and a constant that did must not be built
 * this way. Building a schema has no effect but its value: `.meta()` and `.describe()` also record it in
 * zod's global registry, whose readers (the OpenAPI generation, `z.toJSONSchema` of a schema) read the
 * entries of the schemas they are given, which a used schema keeps.
 */
import path from 'node:path';
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


/** Where each name the schemas' barrel (shared/api/schemas.ts) re-exports comes from: name → its file (absolute). */
export function barrelExports(barrelFile: string, read: (file: string) => string): Map<string, string> {
  const names = new Map<string, string>();
  const barrel = ts.createSourceFile(barrelFile, read(barrelFile), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  for (const statement of barrel.statements) {
    if (!ts.isExportDeclaration(statement) || statement.exportClause || !statement.moduleSpecifier || !ts.isStringLiteral(statement.moduleSpecifier)) {
      throw new Error(`${barrelFile}: only \`export * from '…'\` is expected in the barrel`);
    }
    const file = path.resolve(path.dirname(barrelFile), statement.moduleSpecifier.text.replace(/\.js$/, '.ts'));
    const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    for (const s of source.statements) {
      const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (ts.isVariableStatement(s) && exported) for (const d of s.declarationList.declarations) names.set((d.name as ts.Identifier).text, file);
      else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s)) && exported && s.name) names.set(s.name.text, file);
      else if (ts.isExportDeclaration(s)) throw new Error(`${file}: a schema module re-exports (${s.getText(source).slice(0, 60)}); the barrel split does not follow re-exports`);
    }
  }
  return names;
}

/**
 * `source` with each import from the schemas' barrel (`import { A, B } from '…/shared/api/schemas.js'`)
 * split into imports from the files that define the names. A bundle runs a module's imports when it
 * runs the module (esbuild's CommonJS output initialises an imported module with all it imports, a
 * barrel with every module it re-exports): through the barrel, a numbers function would build the
 * toll-free schemas and load the Somos routing model with them.
 */
export function withoutSchemaBarrel(source: string, fileName: string, barrelFile: string, exportsByName: ReadonlyMap<string, string>): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: { start: number; end: number; text: string }[] = [];
  const relative = (target: string) => {
    const r = path.relative(path.dirname(fileName), target).split(path.sep).join('/').replace(/\.ts$/, '.js');
    return r.startsWith('.') ? r : `./${r}`;
  };
  for (const statement of file.statements) {
    const isImport = ts.isImportDeclaration(statement);
    if (!isImport && !ts.isExportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    if (path.resolve(path.dirname(fileName), specifier.text.replace(/\.js$/, '.ts')) !== barrelFile) continue;
    const clause = isImport ? statement.importClause : undefined;
    const named = isImport ? clause?.namedBindings : statement.exportClause;
    if ((isImport && (!clause || clause.name)) || !named || !(ts.isNamedImports(named) || ts.isNamedExports(named))) continue; // a namespace or default import: left as it is
    const typeOnly = isImport ? clause!.isTypeOnly : statement.isTypeOnly;
    const groups = new Map<string, (ts.ImportSpecifier | ts.ExportSpecifier)[]>();
    for (const element of named.elements) {
      const imported = (element.propertyName ?? element.name).text;
      const target = exportsByName.get(imported);
      if (!target) throw new Error(`${fileName}: ${imported} is not exported by any module of ${barrelFile}`);
      groups.set(target, [...(groups.get(target) ?? []), element]);
    }
    const keyword = isImport ? 'import' : 'export';
    const line = (target: string, elements: (ts.ImportSpecifier | ts.ExportSpecifier)[]) => {
      // A group of types only is a type-only import (`import { type X } from` would be kept, for its effects).
      const onlyTypes = typeOnly || elements.every((e) => e.isTypeOnly);
      const names = elements.map((e) => (onlyTypes && e.isTypeOnly ? e.getText(file).replace(/^type\s+/, '') : e.getText(file)));
      return `${keyword} ${onlyTypes ? 'type ' : ''}{ ${names.join(', ')} } from '${relative(target)}';`;
    };
    const text = [...groups].map(([target, elements]) => line(target, elements)).join('\n');
    edits.push({ start: statement.getStart(file), end: statement.getEnd(), text });
  }
  let out = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
