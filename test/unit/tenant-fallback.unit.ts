// Copyright loopback4-tenant-registry contributors. MIT License.

import {expect} from '@loopback/testlab';
import {getCurrentTenant, runInTenant, setTenantFallback} from '../../src';
import {captureDebugLog} from '../fixtures/debug-log';

const NAMESPACE = 'loopback:tenant-registry:context';

describe('tenant fallback', () => {
  afterEach(() => {
    setTenantFallback(undefined);
    delete (globalThis as {loopbackContext?: unknown}).loopbackContext;
  });

  it('gives no tenant when nothing is configured', () => {
    expect(getCurrentTenant()).to.be.undefined();
  });

  it('asks a configured fallback outside runInTenant only', () => {
    setTenantFallback(() => 'from-fallback');
    expect(getCurrentTenant()).to.equal('from-fallback');
    expect(runInTenant('acme', () => getCurrentTenant())).to.equal('acme');
  });

  it('keeps the configured function: it is called, not looked up', () => {
    let calls = 0;
    setTenantFallback(() => {
      calls++;
      return 'cached';
    });
    getCurrentTenant();
    getCurrentTenant();
    expect(calls).to.equal(2);
  });

  it('turns a throwing fallback into no tenant and logs it', () => {
    setTenantFallback(() => {
      throw new Error('context store down');
    });
    const log = captureDebugLog(NAMESPACE, () =>
      expect(getCurrentTenant()).to.be.undefined(),
    );
    expect(log).to.have.length(1);
    expect(log[0]).to.match(/tenant fallback threw.*context store down/);
  });

  it('ignores a fallback answer that is not a valid tenant id, and logs it', () => {
    setTenantFallback(() => '__proto__');
    const log = captureDebugLog(NAMESPACE, () =>
      expect(getCurrentTenant()).to.be.undefined(),
    );
    expect(log).to.have.length(1);
    expect(log[0]).to.match(/invalid tenant id/);
  });

  it('reads the legacy global.loopbackContext by default', () => {
    (globalThis as {loopbackContext?: unknown}).loopbackContext = {
      getCurrentContext: () => ({
        get: (key: string) => (key === 'tenant' ? 'legacy' : undefined),
      }),
    };
    expect(getCurrentTenant()).to.equal('legacy');
  });

  it('turns a throwing legacy context into no tenant', () => {
    (globalThis as {loopbackContext?: unknown}).loopbackContext = {
      getCurrentContext: () => {
        throw new Error('legacy broken');
      },
    };
    expect(getCurrentTenant()).to.be.undefined();
  });
});
