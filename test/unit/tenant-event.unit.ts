// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {InProcessTenantEvents} from '../../src';
import {parseTenantEvent} from '../../src/fleet/tenant-event';

describe('parseTenantEvent()', () => {
  it('accepts a well-formed event, as text or object', () => {
    const event = {type: 'suspend', tenantId: 'acme', instanceId: 'host:1'};
    expect(parseTenantEvent(JSON.stringify(event))).to.deepEqual(event);
    expect(parseTenantEvent(event)).to.deepEqual(event);
  });

  const malformed: [string, unknown][] = [
    ['not JSON', '{nope'],
    ['null', 'null'],
    ['an unknown type', {type: 'delete', tenantId: 'a', instanceId: 'i'}],
    [
      'an invalid tenant id',
      {type: 'evict', tenantId: '__proto__', instanceId: 'i'},
    ],
    ['a missing instance id', {type: 'evict', tenantId: 'a'}],
    ['an over-long message', 'x'.repeat(5000)],
    ['a number', 42],
  ];
  for (const [label, message] of malformed) {
    it(`drops ${label}`, () => {
      expect(parseTenantEvent(message)).to.be.undefined();
    });
  }
});

describe('InProcessTenantEvents', () => {
  it('delivers to subscribers and remembers suspended tenants', async () => {
    const events = new InProcessTenantEvents();
    const seen: string[] = [];
    const unsubscribe = events.subscribe(e =>
      seen.push(`${e.type}:${e.tenantId}`),
    );
    await events.publish({type: 'suspend', tenantId: 'a', instanceId: 'i'});
    await events.publish({type: 'suspend', tenantId: 'b', instanceId: 'i'});
    await events.publish({type: 'resume', tenantId: 'a', instanceId: 'i'});
    unsubscribe();
    await events.publish({type: 'evict', tenantId: 'c', instanceId: 'i'});
    expect(seen).to.deepEqual(['suspend:a', 'suspend:b', 'resume:a']);
    expect(await events.suspendedTenants()).to.deepEqual(['b']);
  });
});
