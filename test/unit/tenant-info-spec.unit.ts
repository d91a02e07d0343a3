// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {
  getCurrentTenant,
  getCurrentTenantInfo,
  ModelRegistry,
  runInTenant,
  type TenantAdmissionCheck,
} from '../../src';
import {TenantAdmission} from '../../src/admission/tenant-admission';
import {runRequiringTenant} from '../../src/context/tenant-context';
import {resolveOptions} from '../../src/options/resolve-options';
import type {AdmissionOptions} from '../../src/options/tenant-registry-options';
import {barrier} from '../fixtures/async';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';

class Shop {
  constructor(readonly id: string) {}
}

describe('the tenant record of an admission check (specification)', () => {
  let clock: ManualClock;
  let registry: ModelRegistry;
  let asked: string[];

  beforeEach(() => {
    clock = givenManualClock(1_000_000);
    asked = [];
  });

  describe('what admits', () => {
    const admitting: [string, unknown, object | undefined][] = [
      ['true', true, undefined],
      ['a plain object', {id: 'a'}, {id: 'a'}],
      ['a class instance', new Shop('a'), new Shop('a')],
      ['a frozen object', Object.freeze({id: 'a'}), {id: 'a'}],
    ];
    for (const [what, answer, info] of admitting) {
      for (const isAsync of [false, true]) {
        it(`admits on ${what}, ${isAsync ? 'resolved' : 'returned'}, with ${info ? 'it as' : 'no'} record`, async () => {
          const admission = givenAdmission(() =>
            isAsync ? Promise.resolve(answer) : answer,
          );
          expect(await admission.runInTenant('a', getCurrentTenantInfo)).to.eql(
            info,
          );
        });
      }
    }

    const refusing: [string, unknown][] = [
      ['false', false],
      ['null', null],
      ['undefined', undefined],
      ['a count (1)', 1],
      ['a string', 'yes'],
      ['an empty array (an empty find())', []],
      ['an array of records', [{id: 'a'}]],
      ['a function', () => true],
    ];
    for (const [what, answer] of refusing) {
      for (const isAsync of [false, true]) {
        it(`refuses ${what}, ${isAsync ? 'resolved' : 'returned'}, with 404 TENANT_NOT_FOUND`, async () => {
          const admission = givenAdmission(() =>
            isAsync ? Promise.resolve(answer) : answer,
          );
          await expect(
            admission.runInTenant('a', () => 'ran'),
          ).to.be.rejectedWith({code: 'TENANT_NOT_FOUND', statusCode: 404});
          expect(registry.tenantCount).to.equal(0);
        });
      }
    }
  });

  describe('the cache', () => {
    it('keeps the record with the "yes" for cacheTtl, then asks again for a fresh one', async () => {
      let version = 0;
      const admission = givenAdmission(id => ({id, version: ++version}), {
        cacheTtl: 60_000,
      });
      const read = () => admission.runInTenant('a', getCurrentTenantInfo);
      expect(await read()).to.eql({id: 'a', version: 1});
      clock.time += 59_999;
      expect(await read()).to.eql({id: 'a', version: 1});
      clock.time += 1;
      expect(await read()).to.eql({id: 'a', version: 2});
      expect(asked).to.deepEqual(['a', 'a']);
    });

    it('asks each time with cacheTtl 0, yet gives each run the record it was admitted with', async () => {
      let version = 0;
      const admission = givenAdmission(id => ({id, version: ++version}), {
        cacheTtl: 0,
      });
      for (const expected of [1, 2]) {
        const info = await admission.runInTenant('a', getCurrentTenantInfo);
        expect(info).to.eql({id: 'a', version: expected});
      }
      expect(admission.cacheSize.allowed).to.equal(0);
    });

    it('holds at most cacheSize records, and drops expired ones on the next answer', async () => {
      const admission = givenAdmission(id => ({id}), {
        cacheSize: 3,
        cacheTtl: 1000,
      });
      for (const tenantId of ['a', 'b', 'c', 'd', 'e']) {
        await admission.runInTenant(tenantId, () => 'ran');
      }
      expect(admission.cacheSize.allowed).to.equal(3);
      clock.time += 1000;
      await admission.runInTenant('f', () => 'ran');
      expect(admission.cacheSize.allowed).to.equal(1);
    });

    it('drops a record when its tenant is evicted, and keeps a plain "yes"', async () => {
      const admission = givenAdmission(id => (id === 'plain' ? true : {id}));
      await admission.runInTenant('plain', () => 'ran');
      await admission.runInTenant('rich', () => 'ran');
      registry.evictTenant('plain');
      registry.evictTenant('rich');
      await admission.runInTenant('plain', () => 'ran');
      expect(await admission.runInTenant('rich', getCurrentTenantInfo)).to.eql({
        id: 'rich',
      });
      expect(asked).to.deepEqual(['plain', 'rich', 'rich']);
    });

    it('forgets a record with clearCache()', async () => {
      const admission = givenAdmission(id => ({id}));
      await admission.runInTenant('a', () => 'ran');
      admission.clearCache('a');
      expect(admission.cacheSize.allowed).to.equal(0);
    });
  });

  describe('getCurrentTenantInfo()', () => {
    it('is undefined outside a tenant and in runInTenant(), which skips admission', () => {
      expect(getCurrentTenantInfo()).to.be.undefined();
      expect(runInTenant('a', getCurrentTenantInfo)).to.be.undefined();
    });

    it('throws TENANT_REQUIRED in a request that named no tenant, as getCurrentTenant() does', () => {
      expect(() => runRequiringTenant(getCurrentTenantInfo)).to.throw({
        code: 'TENANT_REQUIRED',
      });
    });

    it('shows no record to work moved to another tenant, and keeps it for the same tenant', async () => {
      const admission = givenAdmission(id => ({id}));
      const seen = await admission.runInTenant('a', () => ({
        other: runInTenant('b', () => [
          getCurrentTenant(),
          getCurrentTenantInfo(),
        ]),
        same: runInTenant('a', getCurrentTenantInfo),
        back: getCurrentTenantInfo(),
      }));
      expect(seen).to.eql({
        other: ['b', undefined],
        same: {id: 'a'},
        back: {id: 'a'},
      });
    });

    it('gives each of many concurrent tenants its own record across awaits', async () => {
      const admission = givenAdmission(async id => ({id}));
      const tenantIds = Array.from({length: 50}, (_, i) => `t${i}`);
      const allIn = barrier(tenantIds.length);
      const seen = await Promise.all(
        tenantIds.map(tenantId =>
          admission.runInTenant(tenantId, async () => {
            await allIn.wait();
            return getCurrentTenantInfo<{id: string}>()?.id;
          }),
        ),
      );
      expect(seen).to.deepEqual(tenantIds);
    });
  });

  function givenAdmission(
    answer: (tenantId: string) => unknown,
    options: Partial<AdmissionOptions> = {},
  ): TenantAdmission {
    registry = new ModelRegistry({}, {clock});
    const check = ((tenantId: string) => {
      asked.push(tenantId);
      return answer(tenantId);
    }) as TenantAdmissionCheck;
    const settings = {...resolveOptions().admission, ...options, clock};
    return new TenantAdmission(registry, settings, check);
  }
});
