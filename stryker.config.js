// Copyright loopback4-tenant-registry contributors. MIT License.
'use strict';

/**
 * Mutation testing of the core: `npm run test:mutation` (not part of
 * `npm test` or CI). Stryker copies the project to .stryker-tmp/, mutates the
 * files below, compiles the copy once, and for each mutant runs only the
 * compiled unit and integration tests that cover it. Reports go to
 * reports/mutation/ (HTML and JSON); results are kept in
 * reports/stryker-incremental.json so that the next run tests only the
 * mutants whose code or tests changed (`-- --force` tests them all).
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
module.exports = {
  mutate: [
    'src/context/**/*.ts',
    'src/registry/**/*.ts',
    'src/eviction/**/*.ts',
    'src/admission/**/*.ts',
    'src/resolution/**/*.ts',
    'src/bridge/**/*.ts',
    'src/fleet/tenant-event.ts',
    'src/fleet/suspended-tenants.ts',
    'src/fleet/stream-gap.ts',
  ],
  // Compiled output of the developer's own builds: the sandbox builds anew.
  ignorePatterns: ['dist', 'coverage', '.nyc_output', 'test-output'],
  buildCommand: 'tsc',
  testRunner: 'mocha',
  mochaOptions: {
    config: '.mocharc.js',
    // Runs share one process: test/mutation/run-isolation.ts resets the
    // package's process-wide state before each.
    require: [
      'source-map-support/register',
      'dist/test/mutation/run-isolation.js',
    ],
    // The unit tests and the integration tests that start no server: the
    // PostgreSQL and Redis ones (postgres-*, redis-*) and the acceptance
    // tests take minutes and cover the same core through the public API.
    spec: [
      'dist/test/unit/**/*.unit.js',
      'dist/test/integration/!(postgres-*|redis-*).integration.js',
    ],
  },
  coverageAnalysis: 'perTest',
  // A mutant that does not compile is reported as a compile error, not run.
  // The checker compiles src only (tsconfig.mutation.json): checking the
  // tests too made each check about a third slower.
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  // Two checkers and two test runners on a 2-core machine: a checker spends
  // much of each check waiting on TypeScript's watch debounce, so one worker
  // per core left the cores half idle (measured: 5.4 min for one file at 2,
  // 2.4 min at 4, the same CPU time).
  concurrency: 4,
  // A static mutant (a module-level constant) restarts the test runner, and
  // loading the tests again counts against its timeout: on a busy 2-core
  // machine the default 5 s margin turned some into false timeouts.
  timeoutMS: 10000,
  incremental: true,
  plugins: ['@stryker-mutator/*', './scripts/stryker-ignore-debug.mjs'],
  ignorers: ['debug-output'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  clearTextReporter: {reportTests: false},
  thresholds: {high: 80, low: 70, break: null},
};
