/**
 * The import directions of ../shared/ARCHITECTURE.md ("Which way the arrows point"), enforced in CI:
 *   solver/ -> its LP libraries only;  platform -> node built-ins, logging;  domain -> platform;
 *   scheduler -> domain, platform, solver;  ocpp, prices, storage, cluster -> domain, platform (never each other);
 *   http -> domain, platform, the scheduler's public surface;  main.ts -> everything, imported by nothing.
 */
const adapters = ['ocpp', 'prices', 'storage', 'cluster'];

module.exports = {
  forbidden: [
    {
      name: 'solver-is-pure',
      comment: 'solver/ imports nothing from src/ and no I/O or clock libraries',
      severity: 'error',
      // solver/cli.ts is the command-line edge (files, stdin, stdout); the solver itself stays pure.
      from: { path: '^solver/', pathNot: '^solver/cli\\.ts$' },
      to: { path: '^src/|node_modules/(luxon|ws|fastify|better-sqlite3|pino)/|^(fs|node:fs|net|node:net|http|node:http)$' },
    },
    {
      name: 'platform-knows-no-domain',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(?!platform/)|^solver/' },
    },
    {
      name: 'domain-depends-on-platform-only',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(?!domain/|platform/)|^solver/' },
    },
    ...adapters.map((a) => ({
      name: `${a}-is-an-adapter`,
      comment: `src/${a}/ may import only src/domain and src/platform`,
      severity: 'error',
      from: { path: `^src/${a}/` },
      to: { path: `^src/(?!${a}/|domain/|platform/)|^solver/` },
    })),
    {
      name: 'scheduler-uses-ports',
      severity: 'error',
      from: { path: '^src/scheduler/' },
      to: { path: '^src/(?!scheduler/|domain/|platform/)' },
    },
    {
      name: 'http-uses-scheduler-surface',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(?!http/|domain/|platform/|scheduler/index|operations/index)|^solver/' },
    },
    {
      name: 'simulator-is-outside-the-product',
      comment:
        'src/simulator is a charging station that talks to the product over OCPP only: it imports src/platform and the ' +
        'generated OCPP types, nothing else of src/; and no part of the product imports it (only src/cli and main.ts may)',
      severity: 'error',
      // One rule for both directions via group matching: $1 is "simulator/" when the importer is in src/simulator
      // and "" otherwise. With "", `(?!)` never matches and `^src/simulator/` applies (who may import it); with
      // "simulator/", `^simulator/src/...` never matches and the list of what the simulator may not import applies.
      from: { path: '^src/(simulator/|)', pathNot: '^src/(cli/|main\\.ts$)' },
      to: { path: '^$1src/simulator/|^src/(?!$1)(?!simulator/|platform/|ocpp/schemas/generated/)|^(?!$1)solver/' },
    },
    {
      name: 'nothing-imports-main',
      comment: 'main.ts is the composition root; the command-line tools that run the whole product (the demo and its simulated world) start it through main.ts like the process does, and nothing else may',
      severity: 'error',
      from: { path: '^(src|solver)/', pathNot: '^src/cli/' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
