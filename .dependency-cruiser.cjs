// dependency-cruiser: the module boundaries `npm run lint` (and so `npm test`) enforces.
// Run: npx depcruise functions modules shared scripts bench test
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
        path: '^(functions|modules|shared)/',
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
      name: 'modules-not-to-functions',
      severity: 'error',
      comment: 'A domain module (modules/<domain>/) holds its rows, operations, services and repository; functions/ is the deploy shell built from them (the table, the entries) and must not be reached back into.',
      from: { path: '^modules/' },
      to: { path: '^functions/' },
    },
    {
      name: 'shared-not-to-modules',
      severity: 'error',
      comment: 'shared/ is the kernel every module builds on (pipeline, ports, providers, domain types); it must not depend on a module. Exceptions, by name: shared/deps.ts wires the modules\' lazily loaded services (the composition root), and the toll-free API schemas use the toll-free module\'s constants (statuses, search spec, scheduled routing).',
      from: { path: '^shared/', pathNot: ['^shared/deps\\.ts$', '^shared/api/schemas/tollfree\\.ts$'] },
      to: { path: '^modules/' },
    },
    {
      name: 'modules-through-their-index',
      severity: 'error',
      comment: 'A module is used from outside through its public surface only: modules/<domain>/index.ts (and its endpoint rows, which the table and the generated entries load). Its operations, services and repository are its own; another module reaching into them couples the two past what the index promises.',
      from: { path: '^modules/([^/]+)/' },
      to: { path: '^modules/[^/]+/', pathNot: ['^modules/$1/', '^modules/[^/]+/(index|[a-z-]*rows)\\.ts$'] },
    },
    {
      name: 'shell-and-tooling-through-module-index',
      severity: 'error',
      comment: 'The deploy shell, scripts and benchmarks use a module through its index.ts or its rows as well. Two kinds of code may reach inside: tests (they test the internals) and the composition root, shared/deps.ts, which builds each module\'s repository and lazily loaded services from their own files (through an index, the Deps type would run back through every module it wires).',
      from: { path: '^(functions|scripts|bench)/' },
      to: { path: '^modules/[^/]+/', pathNot: '^modules/[^/]+/(index|[a-z-]*rows)\\.ts$' },
    },
    {
      name: 'no-dynamic-import-of-module-index',
      severity: 'error',
      comment: 'A module index is imported statically: a bundle keeps of it only what is used. Imported dynamically, its namespace (every file it re-exports) would be loaded; a module exports loaders (loadPlatform) for what must load lazily.',
      from: { path: '^(functions|modules|shared)/' },
      to: { path: '^modules/[^/]+/index\\.ts$', dependencyTypes: ['dynamic-import'] },
    },
    {
      name: 'firestore-only-in-repositories',
      severity: 'error',
      comment: 'Within a module only its repository (modules/<domain>/repository.ts or repository/) touches Firestore, types included: services and operations get repositories (or another module\'s index), never the database. In shared/: the stores (shared/store/), the ports and the wiring, the audit and usage writes that join a repository\'s transaction (shared/domain/audit.ts, limits.ts, job.ts), and the Somos token lease and breaker state.',
      from: {
        path: '^(modules|shared|functions)/',
        pathNot: [
          '^modules/[^/]+/repository(\\.ts$|/)',
          '^shared/store/',
          '^shared/(ports|deps)\\.ts$',
          '^shared/domain/(audit|limits|job)\\.ts$',
          '^shared/providers/somos/(auth-breaker|token-lease|token-manager)\\.ts$',
        ],
      },
      to: { path: '@google-cloud/firestore' },
    },
    {
      name: 'production-not-to-tooling',
      severity: 'error',
      comment: 'Deployed code (functions/, shared/) must not import scripts, tests or benchmarks: they are not bundled and pull in dev-only packages.',
      from: { path: '^(functions|modules|shared)/' },
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
