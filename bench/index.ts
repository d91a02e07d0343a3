// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * `npm run bench [-- --quick]`: every suite, one after the other, each
 * printing its table; the figures go to bench/results/latest.json.
 */

import {rmSync} from 'node:fs';
import {runAdmissionSuite} from './admission';
import {runBulkSuite} from './bulk';
import {runCleanupSuite} from './cleanup';
import {runContextSuite} from './context';
import {runDataSourcesSuite} from './datasources';
import {runFleetSuite} from './fleet';
import {runHttpSuite} from './http';
import {isQuick, RESULTS_FILE} from './lib/report';
import {runMemorySuite} from './memory';
import {runRegistrySuite} from './registry';

async function main(): Promise<void> {
  rmSync(RESULTS_FILE, {force: true});
  process.stdout.write(
    `loopback4-tenant-registry benchmarks${isQuick() ? ' (--quick)' : ''}\n`,
  );
  runRegistrySuite();
  runContextSuite();
  runCleanupSuite();
  await runMemorySuite();
  await runHttpSuite();
  await runAdmissionSuite();
  await runBulkSuite();
  await runDataSourcesSuite();
  // Three instances behind two balancers take minutes: not in the smoke run.
  if (isQuick()) {
    process.stdout.write(
      '\nfleet: skipped with --quick (npm run bench:fleet)\n',
    );
  } else {
    await runFleetSuite();
  }
  process.stdout.write(`\nFigures written to ${RESULTS_FILE}\n`);
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
