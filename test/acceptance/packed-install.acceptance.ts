// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {execFile} from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';

const ROOT = path.resolve(__dirname, '../../..');
const run = promisify(execFile);

/**
 * What a user gets from `npm pack` and `npm install <tarball>`: the package
 * is packed from a copy of the sources with no build output (`prepack`
 * builds it), installed with its peers in an empty app, and serves a tenant
 * there. Set `TENANT_REGISTRY_SKIP_PACK_TEST=1` to skip (CI runs it on one
 * Node line only: packing does not depend on the runtime).
 */
describe('the packed package in a fresh app (acceptance)', () => {
  let work: string;

  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (process.env.TENANT_REGISTRY_SKIP_PACK_TEST === '1') return this.skip();
    work = mkdtempSync(path.join(tmpdir(), 'tenant-registry-pack-'));
  });
  after(() => {
    if (work) rmSync(work, {recursive: true, force: true});
  });

  it('builds on pack, installs with its peers and resolves the tenant', async () => {
    const source = path.join(work, 'source');
    await copyTrackedFiles(source);
    symlinkSync(
      path.join(ROOT, 'node_modules'),
      path.join(source, 'node_modules'),
    );
    const {stdout: packed} = await run(
      'npm',
      ['pack', '--json', '--pack-destination', work],
      {cwd: source, maxBuffer: 1 << 26},
    );
    const [{filename, files}] = JSON.parse(lastJson(packed)) as {
      filename: string;
      files: {path: string}[];
    }[];
    expect(files.map(file => file.path)).to.containDeep([
      'dist/src/index.js',
      'dist/src/index.d.ts',
    ]);

    const app = path.join(work, 'app');
    cpSync(path.join(__dirname, '../../../test/fixtures/packed-app'), app, {
      recursive: true,
    });
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        path.join(work, filename),
        ...['core', 'rest', 'repository'].map(peerAtOurVersion),
      ],
      {cwd: app, maxBuffer: 1 << 26},
    );
    const {stdout} = await run(process.execPath, ['server.js'], {cwd: app});
    expect(JSON.parse(stdout)).to.deepEqual({
      withTenant: {status: 200, body: 'acme'},
      withoutTenant: {status: 400, code: 'TENANT_REQUIRED'},
    });
  }).timeout(300000);
});

/** The working tree's tracked files (what a clean clone holds). */
async function copyTrackedFiles(target: string): Promise<void> {
  const {stdout} = await run('git', ['ls-files', '-z'], {
    cwd: ROOT,
    maxBuffer: 1 << 26,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    try {
      cpSync(path.join(ROOT, file), path.join(target, file));
    } catch (error: unknown) {
      // A file deleted in the working tree but still tracked.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  writeFileSync(path.join(target, '.npmrc'), 'update-notifier=false\n');
}

function peerAtOurVersion(name: string): string {
  const manifest = path.join(
    ROOT,
    'node_modules/@loopback',
    name,
    'package.json',
  );
  const {version} = JSON.parse(readFileSync(manifest, 'utf8')) as {
    version: string;
  };
  return `@loopback/${name}@${version}`;
}

/** `npm pack --json` prints the scripts' output before its JSON. */
function lastJson(output: string): string {
  return output.slice(output.lastIndexOf('\n[') + 1);
}
