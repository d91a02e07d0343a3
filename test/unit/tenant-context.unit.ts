// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {EventEmitter, once} from 'node:events';
import {
  GLOBAL_TENANT,
  getCurrentTenant,
  runInTenant,
  TenantRegistryError,
} from '../../src';
import {isValidTenantId} from '../../src/context/tenant-id';
import {barrier, deferred, tick} from '../fixtures/async';

describe('tenant context', () => {
  describe('runInTenant()', () => {
    it('makes the tenant current inside and returns the result', () => {
      const result = runInTenant('acme', () => getCurrentTenant());
      expect(result).to.equal('acme');
      expect(getCurrentTenant()).to.be.undefined();
    });

    it('returns the very promise an async function returns', async () => {
      const promise = Promise.resolve(42);
      const result = runInTenant('acme', () => promise);
      expect(result).to.equal(promise);
      expect(await result).to.equal(42);
    });

    it('keeps the tenant across await, timers, promises and emitters', async () => {
      const seen = await runInTenant('acme', async () => {
        const observed: (string | undefined)[] = [];
        await tick(1);
        observed.push(getCurrentTenant());
        await new Promise<void>(resolve =>
          setImmediate(() => {
            observed.push(getCurrentTenant());
            resolve();
          }),
        );
        observed.push(await Promise.resolve().then(() => getCurrentTenant()));
        const emitter = new EventEmitter();
        const fired = once(emitter, 'go');
        setTimeout(() => emitter.emit('go'), 1);
        await fired;
        observed.push(getCurrentTenant());
        return observed;
      });
      expect(seen).to.deepEqual(['acme', 'acme', 'acme', 'acme']);
    });

    it('overrides in nested calls and restores the outer tenant', async () => {
      await runInTenant('outer', async () => {
        const inner = await runInTenant('inner', async () => {
          await tick();
          return getCurrentTenant();
        });
        expect(inner).to.equal('inner');
        expect(getCurrentTenant()).to.equal('outer');
      });
    });

    it('isolates interleaved tenants: each sees only its own id', async () => {
      const bothStarted = barrier(2);
      const aMayFinish = deferred();
      const a = runInTenant('tenant-a', async () => {
        await bothStarted.wait();
        await aMayFinish.promise;
        return getCurrentTenant();
      });
      const b = runInTenant('tenant-b', async () => {
        await bothStarted.wait();
        const seen = getCurrentTenant();
        aMayFinish.resolve();
        return seen;
      });
      expect(await Promise.all([a, b])).to.deepEqual(['tenant-a', 'tenant-b']);
    });

    it('isolates a fan-out over many concurrent tenants', async () => {
      const tenants = Array.from({length: 200}, (_, i) => `t${i}`);
      const results = await Promise.all(
        tenants.map(tenantId =>
          runInTenant(tenantId, async () => {
            await tick(Math.floor(Math.random() * 3));
            await Promise.resolve();
            return getCurrentTenant();
          }),
        ),
      );
      expect(results).to.deepEqual(tenants);
    });

    it('propagates errors from sync and async functions', async () => {
      expect(() =>
        runInTenant('acme', () => {
          throw new Error('sync boom');
        }),
      ).to.throw('sync boom');
      await expect(
        runInTenant('acme', async () => {
          throw new Error('async boom');
        }),
      ).to.be.rejectedWith('async boom');
    });

    it('refuses an invalid tenant id before running anything', () => {
      let ran = false;
      const error = captureError(() =>
        runInTenant('__proto__', () => {
          ran = true;
        }),
      );
      expect(error).to.be.instanceOf(TenantRegistryError);
      expect(error).to.have.property('code', 'INVALID_TENANT_ID');
      expect(ran).to.be.false();
    });
  });

  describe('GLOBAL_TENANT', () => {
    it('can never be a valid tenant id', () => {
      expect(isValidTenantId(GLOBAL_TENANT)).to.be.false();
      expect(() => runInTenant(GLOBAL_TENANT, () => 0)).to.throw(
        TenantRegistryError,
      );
    });
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error: unknown) {
    return error;
  }
  throw new Error('expected an error');
}
