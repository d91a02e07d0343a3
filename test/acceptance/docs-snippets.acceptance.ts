// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {compileSnippets} from '../fixtures/doc-snippets-compiler';
import {
  extractSnippets,
  strayMarkers,
  type Snippet,
} from '../fixtures/doc-snippets';

const ROOT = path.resolve(__dirname, '../../..');
// docs/api/ is generated from TSDoc, whose examples the API report checks.
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter(name => name.endsWith('.md'))
    .sort()
    .map(name => `docs/${name}`),
];

/**
 * Every ```ts block of the README and docs/*.md compiles against the built
 * package, or says why not: the markers are described in
 * test/fixtures/doc-snippets.ts.
 */
describe('the TypeScript in the docs (compiled against dist)', () => {
  const snippets = DOCS.flatMap(doc => extractSnippets(ROOT, doc));
  let errors: Map<Snippet, string[]>;

  before(function () {
    // One program for every block: the @loopback typings are read once.
    // eslint-disable-next-line @typescript-eslint/no-invalid-this
    this.timeout(60000);
    errors = compileSnippets(ROOT, snippets);
  });

  for (const doc of DOCS) {
    describe(doc, () => {
      it('has each marker right above a ```ts block', () => {
        expect(strayMarkers(ROOT, doc)).to.deepEqual([]);
      });

      for (const snippet of snippets.filter(s => s.doc === doc)) {
        const {marker} = snippet;
        const where = `${doc}:${snippet.line}`;
        if (marker.kind === 'not compiled') {
          it(`${where} is not compiled: ${marker.reason}`);
          continue;
        }
        it(`${where} compiles (${marker.kind})`, () => {
          if (marker.kind === 'invalid')
            throw new Error(`${where}: ${marker.problem}`);
          const found = errors.get(snippet)!;
          if (found.length) throw new Error(`${where}:\n${found.join('\n')}`);
        });
      }
    });
  }
});
