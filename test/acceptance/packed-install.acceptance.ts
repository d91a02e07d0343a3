// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {cpSync} from 'node:fs';
import path from 'node:path';
import {
  loopbackAtOurVersion,
  npmInstall,
  packOnce,
  ROOT,
  run,
  skipPackTests,
} from '../fixtures/packed-tarball';

/**
 * What a user gets from `npm pack` and `npm install <tarball>`: the package
 * is packed from a copy of the sources with no build output (`prepack`
 * builds it), installed with its peers in an empty app, and serves a tenant
 * there. Set `TENANT_REGISTRY_SKIP_PACK_TEST=1` to skip (CI runs it on one
 * Node line only: packing does not depend on the runtime).
 */
describe('the packed package in a fresh app (acceptance)', () => {
  before(function () {
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    if (skipPackTests) this.skip();
  });

  it('builds on pack, installs with its peers and resolves the tenant', async () => {
    const {work, tarball, files} = await packOnce();
    expect(files).to.containDeep(['dist/src/index.js', 'dist/src/index.d.ts']);
    const app = path.join(work, 'app');
    cpSync(path.join(ROOT, 'test/fixtures/packed-app'), app, {recursive: true});
    await npmInstall(app, [
      tarball,
      ...['core', 'rest', 'repository'].map(loopbackAtOurVersion),
    ]);
    const {stdout} = await run(process.execPath, ['server.js'], {cwd: app});
    expect(JSON.parse(stdout)).to.deepEqual({
      withTenant: {status: 200, body: 'acme'},
      withoutTenant: {status: 400, code: 'TENANT_REQUIRED'},
    });
  }).timeout(300000);
});
