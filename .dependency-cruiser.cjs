// dependency-cruiser: the module boundaries `npm run lint` (and so `npm test`) enforces.
// Run: npx depcruise functions shared scripts bench test
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included (tsPreCompilationDeps): a cycle makes load order matter and modules inseparable.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A source module nothing imports and that imports nothing is dead code (or a missing import).',
      from: {
        orphan: true,
        path: '^(functions|shared)/',
        pathNot: ['\\.d\\.ts$'],
      },
      to: {},
    },
    {
      name: 'shared-not-to-functions-or-scripts',
      severity: 'error',
      comment: 'shared/ is the library the functions are built from: it must not reach back into functions/ or into the tooling in scripts/.',
      from: { path: '^shared/' },
      to: { path: '^(functions|scripts)/' },
    },
    {
      name: 'production-not-to-tooling',
      severity: 'error',
      comment: 'Deployed code (functions/, shared/) must not import scripts, tests or benchmarks: they are not bundled and pull in dev-only packages.',
      from: { path: '^(functions|shared)/' },
      to: { path: '^(scripts|test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^console/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
