// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * `npm run bench [-- --quick]`: every suite, one after the other, each
 * printing its table; the figures go to bench/results/latest.json.
 */

import {existsSync, rmSync} from 'node:fs';
import path from 'node:path';
import {runCleanupSuite} from './cleanup';
import {runContextSuite} from './context';
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
  await runDataSourcesSuiteIfPresent();
  process.stdout.write(`\nFigures written to ${RESULTS_FILE}\n`);
}

/**
 * The PostgreSQL DataSources suite (`bench/datasources.ts`, maintained
 * separately), when this tree has it.
 */
async function runDataSourcesSuiteIfPresent(): Promise<void> {
  const file = path.join(__dirname, 'datasources.js');
  if (!existsSync(file)) return;
  const suite = require(file) as {runDataSourcesSuite?: () => Promise<unknown>};
  await suite.runDataSourcesSuite?.();
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
