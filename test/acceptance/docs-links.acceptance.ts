// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** README.md and the guides (not the generated API reference). */
function docs(): string[] {
  const guides = readdirSync(path.join(ROOT, 'docs'))
    .filter(name => name.endsWith('.md'))
    .map(name => `docs/${name}`);
  return ['README.md', 'CHANGELOG.md', ...guides];
}

describe('links between the docs (acceptance)', () => {
  for (const doc of docs()) {
    it(`${doc}: every relative link names a file that exists`, () => {
      const text = readFileSync(path.join(ROOT, doc), 'utf8');
      const broken = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map(match => match[1])
        .filter(link => !/^(https?:|mailto:|#)/.test(link))
        .map(link => link.replace(/#.*$/, ''))
        .filter(link => !existsSync(path.join(ROOT, path.dirname(doc), link)));
      expect(broken).to.deepEqual([]);
    });
  }

  it('the README links every guide', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const unlinked = docs()
      .filter(doc => doc.startsWith('docs/'))
      .filter(doc => !readme.includes(`](${doc})`));
    expect(unlinked).to.deepEqual([]);
  });
});
