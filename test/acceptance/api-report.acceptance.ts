// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {spawn} from 'node:child_process';
import path from 'node:path';

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

/** Its stdout and stderr interleaved as written, and its exit code. */
function runApiExtractor(): Promise<{exitCode: number; output: string}> {
  const args = [
    'run',
    '--typescript-compiler-folder',
    path.join(ROOT, 'node_modules/typescript'),
    '--print-api-report-diff',
  ];
  const bin = path.join(ROOT, 'node_modules/.bin/api-extractor');
  const child = spawn(bin, args, {
    cwd: ROOT,
    env: {...process.env, FORCE_COLOR: '0'},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', exitCode =>
      resolve({
        exitCode: exitCode ?? 1,
        output: plain(Buffer.concat(chunks).toString('utf8')),
      }),
    );
  });
}

/** Without ANSI colors, whatever the terminal asked for. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
