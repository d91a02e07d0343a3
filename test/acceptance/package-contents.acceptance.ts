// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {promisify} from 'node:util';

const ROOT = path.resolve(__dirname, '../../..');

describe('the published package (npm pack --dry-run)', () => {
  let files: string[];

  before(async () => {
    const {stdout} = await promisify(execFile)(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      {cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24},
    );
    files = (JSON.parse(stdout) as {files: {path: string}[]}[])[0].files.map(
      file => file.path,
    );
  });

  it('ships the code, its types, the docs and the license', () => {
    expect(files).to.containDeep([
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'src/index.ts',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'docs/operations.md',
      'docs/reliability.md',
    ]);
  });

  it('ships no tests, benchmarks, examples or CI files', () => {
    const unwanted = files.filter(file =>
      /^(dist\/(test|bench|examples)|test|bench|examples|\.ci|scripts)\//.test(
        file,
      ),
    );
    expect(unwanted).to.deepEqual([]);
  });

  it('ships every file the README links to', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(((?:docs|etc)\/[^)#]+)/g)].map(
      match => match[1],
    );
    expect(links.length).to.be.above(0);
    for (const link of links) expect(files).to.containEql(link);
  });
});
