// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {haproxyBackend, nginxUpstream} from '../../bench/lib/fleet-balancers';

const ROOT = path.resolve(__dirname, '../../..');
const SERVERS = [1, 2, 3].map(i => ({
  name: `i${i}`,
  address: `10.0.0.${i}:3000`,
}));

describe('docs/fleet.md "Routing by tenant"', () => {
  it('shows the nginx upstream block the fleet bench runs', () => {
    const [block] = fencedBlocks('nginx');
    expect(block.split('\n\n')[0]).to.equal(
      nginxUpstream(SERVERS, 'tenant-hash'),
    );
  });

  it('shows the HAProxy backend the fleet bench runs', () => {
    expect(fencedBlocks('haproxy')).to.deepEqual([
      haproxyBackend(SERVERS, 'tenant-hash'),
    ]);
  });

  it('generates round-robin without the hash lines', () => {
    expect(nginxUpstream(SERVERS, 'round-robin')).to.not.match(/hash/);
    expect(haproxyBackend(SERVERS, 'round-robin')).to.match(
      /^ {4}balance roundrobin$/m,
    );
  });

  function fencedBlocks(language: string): string[] {
    const doc = readFileSync(path.join(ROOT, 'docs/fleet.md'), 'utf8');
    const fence = new RegExp('^```' + language + '\\n([^]*?)\\n```$', 'gm');
    return [...doc.matchAll(fence)].map(match => match[1]);
  }
});
