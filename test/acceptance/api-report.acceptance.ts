// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {execFile} from 'node:child_process';
import path from 'node:path';
import {promisify} from 'node:util';

const ROOT = path.resolve(__dirname, '../../..');
const REPORT = 'etc/loopback4-tenant-registry.api.md';

/**
 * API Extractor over the built `dist/src/index.d.ts`, as a release build runs
 * it (not `--local`): it fails when the public API differs from the committed
 * report, and on any TSDoc or compiler warning in the public declarations.
 */
describe('the public API report (api-extractor)', () => {
  it(`matches ${REPORT}`, async () => {
    const result = await runApiExtractor();
    if (result.exitCode !== 0) {
      throw new Error(
        `The public API differs from ${REPORT}, or its TSDoc has warnings.\n` +
          'If the change is meant, run `npm run api:report` (and ' +
          '`npm run api:docs`) and commit etc/ (and docs/api/).\n\n' +
          result.output,
      );
    }
    expect(result.output).to.match(/API Extractor completed successfully/);
  }).timeout(60000);
});

async function runApiExtractor(): Promise<{exitCode: number; output: string}> {
  const args = [
    'run',
    '--typescript-compiler-folder',
    path.join(ROOT, 'node_modules/typescript'),
    '--print-api-report-diff',
  ];
  const bin = path.join(ROOT, 'node_modules/.bin/api-extractor');
  try {
    const {stdout, stderr} = await promisify(execFile)(bin, args, {
      cwd: ROOT,
      encoding: 'utf8',
      env: {...process.env, FORCE_COLOR: '0'},
      maxBuffer: 1 << 24,
    });
    return {exitCode: 0, output: plain(stdout + stderr)};
  } catch (error) {
    const failed = error as {code?: number; stdout?: string; stderr?: string};
    const output = plain(`${failed.stdout ?? ''}${failed.stderr ?? ''}`);
    return {exitCode: failed.code ?? 1, output};
  }
}

/** Without ANSI colors, whatever the terminal asked for. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
