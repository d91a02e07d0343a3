// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {hostname} from 'node:os';
import {
  decodeStreamEntry,
  encodeStreamEntry,
  MessageSigner,
} from '../../src/fleet/redis-store';
import {SuspendedTenants} from '../../src/fleet/suspended-tenants';
import {
  INSTANCE_ID,
  parseTenantEvent,
  type TenantEvent,
} from '../../src/fleet/tenant-event';

const EVENT: TenantEvent = {type: 'evict', tenantId: 'acme', instanceId: 'i'};

describe('fleet messages (specification)', () => {
  describe('parseTenantEvent()', () => {
    it('accepts each event type: evict, suspend and resume', () => {
      for (const type of ['evict', 'suspend', 'resume']) {
        expect(parseTenantEvent({...EVENT, type})).to.deepEqual({
          ...EVENT,
          type,
        });
      }
    });

    it('accepts a message of up to 4,096 characters, and drops a longer one even when well-formed', () => {
      const text = JSON.stringify(EVENT);
      const padded = (length: number) =>
        text + ' '.repeat(length - text.length);
      expect(parseTenantEvent(padded(4096))).to.deepEqual(EVENT);
      expect(parseTenantEvent(padded(4097))).to.be.undefined();
    });

    it('accepts an instance id of up to 256 characters', () => {
      const event = (instanceId: unknown) => ({...EVENT, instanceId});
      expect(parseTenantEvent(event('i'.repeat(256)))).to.deepEqual(
        event('i'.repeat(256)),
      );
      expect(parseTenantEvent(event('i'.repeat(257)))).to.be.undefined();
      expect(parseTenantEvent(event(42))).to.be.undefined();
    });

    it('drops JSON that is not an object, and never throws', () => {
      for (const message of ['"evict"', '42', 'true', 'null', '[]', '']) {
        expect(parseTenantEvent(message)).to.be.undefined();
      }
      expect(parseTenantEvent(null)).to.be.undefined();
      expect(parseTenantEvent(undefined)).to.be.undefined();
    });
  });

  describe('INSTANCE_ID', () => {
    it('names this process in its events: host, process id and a random part', () => {
      const [host, pid, random] = INSTANCE_ID.split(':');
      expect({host, pid}).to.deepEqual({
        host: hostname(),
        pid: String(process.pid),
      });
      expect(random).to.match(/^[0-9a-f]{8}$/);
    });
  });

  describe('stream entries', () => {
    const signer = new MessageSigner('k'.repeat(32));
    const text = encodeStreamEntry(EVENT, undefined)[1];

    it('reads the event among other fields, up to eight fields in all', () => {
      const eight = ['a', '1', 'event', text, 'b', '2', 'c', '3'];
      expect(decodeStreamEntry(eight, undefined)).to.deepEqual(EVENT);
      expect(decodeStreamEntry([...eight, 'd'], undefined)).to.be.undefined();
    });

    it('keeps the event when a last field name comes without a value', () => {
      expect(
        decodeStreamEntry(['event', text, 'event'], undefined),
      ).to.deepEqual(EVENT);
    });

    it('verifies the signature field, wherever the other fields are', () => {
      const [, , sigName, signature] = encodeStreamEntry(EVENT, signer);
      expect(
        decodeStreamEntry(
          ['note', 'x', sigName, signature, 'event', text, 'after', 'y'],
          signer,
        ),
      ).to.deepEqual(EVENT);
      expect(
        decodeStreamEntry(['event', text, sigName, 'forged'], signer),
      ).to.be.undefined();
    });
  });

  describe('SuspendedTenants', () => {
    it('says which tenants are suspended, and only those', () => {
      const suspended = new SuspendedTenants();
      expect(suspended.has('acme')).to.be.false();
      suspended.add('acme');
      expect(suspended.has('acme')).to.be.true();
      expect(suspended.has('globex')).to.be.false();
      suspended.delete('acme');
      expect(suspended.has('acme')).to.be.false();
      expect(suspended.size).to.equal(0);
    });

    it('replaces its set, telling who was newly suspended and counting who resumed', async () => {
      const suspended = new SuspendedTenants();
      suspended.add('a');
      suspended.add('b');
      const newly: string[] = [];
      expect(
        await suspended.replaceAllInSlices(['b', 'c'], id => newly.push(id)),
      ).to.deepEqual({suspended: 1, resumed: 1});
      expect(newly).to.deepEqual(['c']);
      expect(suspended.list().sort()).to.deepEqual(['b', 'c']);
    });
  });
});
