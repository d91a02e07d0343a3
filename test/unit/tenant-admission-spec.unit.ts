// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect, sinon} from '@loopback/testlab';
import {
  ModelRegistry,
  getCurrentTenant,
  type ModelRegistryOptions,
} from '../../src';
import {SuspendedTenants} from '../../src/fleet/suspended-tenants';
import {
  TenantAdmission,
  type TenantAdmissionCheck,
  type TenantAdmissionSettings,
} from '../../src/admission/tenant-admission';
import {resolveOptions} from '../../src/options/resolve-options';
import type {AdmissionOptions} from '../../src/options/tenant-registry-options';
import {deferred} from '../fixtures/async';
import {givenManualClock, type ManualClock} from '../fixtures/manual-clock';

describe('TenantAdmission (specification)', () => {
  let clock: ManualClock;
  let registry: ModelRegistry;

  beforeEach(() => {
    clock = givenManualClock(1_000_000);
  });

  describe('with an admission check', () => {
    it('admits a tenant the check knows and refuses one it does not with 404 TENANT_NOT_FOUND, building nothing', async () => {
      const admission = givenAdmission({check: id => id === 'known'});
      expect(await admission.runInTenant('known', getCurrentTenant)).to.equal(
        'known',
      );
      await expect(
        admission.runInTenant('stranger', () => 'ran'),
      ).to.be.rejectedWith({code: 'TENANT_NOT_FOUND', statusCode: 404});
      expect(registry.tenantIds()).to.deepEqual(['known']);
      expect(registry.getStats().admissions).to.containDeep({
        admitted: 1,
        notFound: 1,
      });
    });

    it('asks about a known tenant once per cacheTtl', async () => {
      const {check, asked} = recording(() => true);
      const admission = givenAdmission({check, admission: {cacheTtl: 60_000}});
      await admission.runInTenant('a', () => 'ran');
      clock.time += 59_999;
      await admission.runInTenant('a', () => 'ran');
      expect(asked.length).to.equal(1);
      clock.time += 1;
      await admission.runInTenant('a', () => 'ran');
      expect(asked.length).to.equal(2);
    });

    it('remembers an unknown tenant for negativeCacheTtl, then asks again', async () => {
      let exists = false;
      const {check, asked} = recording(() => exists);
      const admission = givenAdmission({
        check,
        admission: {negativeCacheTtl: 10_000},
      });
      await expect(admission.runInTenant('a', () => 'ran')).to.be.rejected();
      exists = true;
      clock.time += 9_999;
      await expect(admission.runInTenant('a', () => 'ran')).to.be.rejectedWith({
        code: 'TENANT_NOT_FOUND',
      });
      expect(asked.length).to.equal(1);
      clock.time += 1;
      expect(await admission.runInTenant('a', () => 'ran')).to.equal('ran');
      expect(asked.length).to.equal(2);
    });

    it('asks once for concurrent requests of the same tenant', async () => {
      const answer = deferred<boolean>();
      const {check, asked} = recording(() => answer.promise);
      const admission = givenAdmission({check});
      const first = admission.runInTenant('a', getCurrentTenant);
      const second = admission.runInTenant('a', getCurrentTenant);
      answer.resolve(true);
      expect(await Promise.all([first, second])).to.deepEqual(['a', 'a']);
      expect(asked.length).to.equal(1);
    });

    it('does not admit on a number or a string, synchronous or not', async () => {
      const answers: Record<string, unknown> = {
        sync: 1,
        async: Promise.resolve('yes'),
      };
      const admission = givenAdmission({
        check: id => answers[id] as ReturnType<TenantAdmissionCheck>,
      });
      for (const tenantId of Object.keys(answers)) {
        await expect(
          admission.runInTenant(tenantId, () => 'ran'),
        ).to.be.rejectedWith({code: 'TENANT_NOT_FOUND'});
      }
    });

    it('answers 503 TENANT_ADMISSION_UNAVAILABLE when the check throws or rejects, and asks again next time', async () => {
      let calls = 0;
      const admission = givenAdmission({
        check: id => {
          calls++;
          if (id === 'throws') throw new Error('database down');
          return Promise.reject(new Error('database down'));
        },
      });
      for (const tenantId of ['throws', 'rejects', 'throws']) {
        await expect(
          admission.runInTenant(tenantId, () => 'ran'),
        ).to.be.rejectedWith({
          code: 'TENANT_ADMISSION_UNAVAILABLE',
          statusCode: 503,
          retryAfter: 1,
          message: /the check failed/,
        });
      }
      expect(calls).to.equal(3);
      expect(registry.getStats().admissions.unavailable).to.equal(3);
      expect(registry.tenantCount).to.equal(0);
    });

    it('answers 503 after checkTimeout, and caches the late answer for the next request', async () => {
      const timers = sinon.useFakeTimers({
        toFake: ['setTimeout', 'clearTimeout'],
      });
      try {
        const answer = deferred<boolean>();
        const {check, asked} = recording(() => answer.promise);
        const admission = givenAdmission({
          check,
          admission: {checkTimeout: 5000},
        });
        const waiting = admission.runInTenant('slow', () => 'ran');
        const refused = expect(waiting).to.be.rejectedWith({
          code: 'TENANT_ADMISSION_UNAVAILABLE',
          message: /timed out/,
        });
        await timers.tickAsync(4999);
        expect(registry.getStats().admissions.unavailable).to.equal(0);
        await timers.tickAsync(1);
        await refused;
        answer.resolve(true);
        expect(await admission.runInTenant('slow', () => 'ran')).to.equal(
          'ran',
        );
        expect(asked.length).to.equal(1);
      } finally {
        timers.restore();
      }
    });

    it('refuses other tenants with 503 while maxPendingChecks checks are pending', async () => {
      const answer = deferred<boolean>();
      const {check, asked} = recording(() => answer.promise);
      const admission = givenAdmission({
        check,
        admission: {maxPendingChecks: 1},
      });
      const pending = admission.runInTenant('a', () => 'a ran');
      await expect(
        admission.runInTenant('b', () => 'b ran'),
      ).to.be.rejectedWith({
        code: 'TENANT_ADMISSION_UNAVAILABLE',
        message: /too many checks pending/,
      });
      // The same tenant joins the pending check instead.
      const joined = admission.runInTenant('a', () => 'a ran again');
      answer.resolve(true);
      expect(await Promise.all([pending, joined])).to.deepEqual([
        'a ran',
        'a ran again',
      ]);
      expect(await admission.runInTenant('b', () => 'b ran')).to.equal('b ran');
      expect(asked).to.deepEqual(['a', 'b']);
    });

    it('keeps at most cacheSize answers, dropping the oldest', async () => {
      const {check, asked} = recording(() => true);
      const admission = givenAdmission({check, admission: {cacheSize: 2}});
      for (const tenantId of ['a', 'b', 'c', 'c', 'b', 'a']) {
        await admission.runInTenant(tenantId, () => 'ran');
      }
      expect(asked).to.deepEqual(['a', 'b', 'c', 'a']);
    });

    it('forgets cached answers with clearCache(), for one tenant or all', async () => {
      const {check, asked} = recording(() => true);
      const admission = givenAdmission({check});
      await admission.runInTenant('a', () => 'ran');
      await admission.runInTenant('b', () => 'ran');
      admission.clearCache('a');
      await admission.runInTenant('a', () => 'ran');
      await admission.runInTenant('b', () => 'ran');
      expect(asked.length).to.equal(3);
      admission.clearCache();
      await admission.runInTenant('a', () => 'ran');
      await admission.runInTenant('b', () => 'ran');
      expect(asked.length).to.equal(5);
    });
  });

  describe('runInTenant()', () => {
    it('follows tenantIdCase: lowercase, as request ids do', async () => {
      const lower = givenAdmission({tenantIdCase: 'lowercase'});
      expect(await lower.runInTenant('ACME', getCurrentTenant)).to.equal(
        'acme',
      );
      const exact = givenAdmission({tenantIdCase: 'exact'});
      expect(await exact.runInTenant('ACME', getCurrentTenant)).to.equal(
        'ACME',
      );
    });

    it('refuses a suspended tenant with 403 TENANT_SUSPENDED, unless allowSuspended', async () => {
      const suspended = new SuspendedTenants();
      suspended.add('acme');
      const admission = givenAdmission({suspended});
      await expect(
        admission.runInTenant('acme', () => 'ran'),
      ).to.be.rejectedWith({code: 'TENANT_SUSPENDED', statusCode: 403});
      expect(registry.hasTenant('acme')).to.be.false();
      expect(
        await admission.runInTenant('acme', () => 'ran', {
          allowSuspended: true,
        }),
      ).to.equal('ran');
      expect(await admission.runInTenant('globex', () => 'ran')).to.equal(
        'ran',
      );
    });

    it('tells a client refused at capacity when room frees up, in whole seconds', async () => {
      const admission = givenAdmission({
        registry: {maxTenants: 1, protectionWindow: 60_000},
      });
      await admission.runInTenant('a', () => 'ran');
      clock.time += 1_000;
      await expect(admission.runInTenant('b', () => 'ran')).to.be.rejectedWith({
        code: 'TENANT_CAPACITY',
        retryAfter: 59,
      });
      clock.time += 58_999;
      await expect(admission.runInTenant('b', () => 'ran')).to.be.rejectedWith({
        code: 'TENANT_CAPACITY',
        retryAfter: 1,
      });
      expect(registry.getStats().admissions.capacity).to.equal(2);
    });
  });

  /** A check that records the tenants it was asked about. */
  function recording(answer: TenantAdmissionCheck) {
    const asked: string[] = [];
    const check: TenantAdmissionCheck = (tenantId, request) => {
      asked.push(tenantId);
      return answer(tenantId, request);
    };
    return {check, asked};
  }

  interface Given {
    check?: TenantAdmissionCheck;
    admission?: Partial<AdmissionOptions>;
    tenantIdCase?: TenantAdmissionSettings['tenantIdCase'];
    suspended?: SuspendedTenants;
    registry?: ModelRegistryOptions;
  }

  function givenAdmission(given: Given = {}): TenantAdmission {
    registry = new ModelRegistry(given.registry, {clock});
    return new TenantAdmission(
      registry,
      {
        ...resolveOptions().admission,
        ...given.admission,
        clock,
        tenantIdCase: given.tenantIdCase,
      },
      given.check,
      given.suspended,
    );
  }
});
