// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {execFile} from 'node:child_process';
import path from 'node:path';

const COMMAND = path.resolve(__dirname, '../../examples/store/migrate.js');

describe('npm run migrate: the example store migrates its catalog (acceptance)', () => {
  it('prints one line per tenant without a terminal, a summary, and exits 0', async () => {
    const {code, lines} = await runCommand({TENANTS: 'acme,globex,initech'});

    expect(code).to.equal(0);
    expect(lines).to.containDeep([
      'Migrating 3 tenants (memory DataSources)',
      'acme migrated',
      'globex migrated',
      'initech migrated',
    ]);
    expect(lines.at(-1)).to.match(
      /^Summary: 3 migrated, 0 up to date, 0 failed, 0 locked in \d+ ms$/,
    );
  });

  it('reports a failing tenant in its line and the summary, migrates the others, and exits 1', async () => {
    const {code, lines} = await runCommand({
      TENANTS: 'acme,globex,initech',
      STORE_MIGRATE_FAIL: 'globex',
    });

    expect(code).to.equal(1);
    expect(lines).to.containDeep([
      'acme migrated',
      'globex failed: Error: injected failure',
      'initech migrated',
      'failed: globex: Error: injected failure',
    ]);
    expect(lines.find(line => line.startsWith('Summary:'))).to.match(
      /^Summary: 2 migrated, 0 up to date, 1 failed, 0 locked/,
    );
  });

  function runCommand(
    env: Record<string, string>,
  ): Promise<{code: number; lines: string[]}> {
    return new Promise(resolve => {
      execFile(
        process.execPath,
        [COMMAND],
        {env: {PATH: process.env.PATH, ...env}, timeout: 30000},
        (error, stdout) => {
          const code = error === null ? 0 : Number(error.code);
          resolve({code, lines: stdout.trimEnd().split('\n')});
        },
      );
    });
  }
});
