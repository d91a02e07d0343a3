// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Mocha root hooks for `npm run test:mutation` only (stryker.config.js
 * requires this file; `npm test` does not).
 *
 * @remarks
 * Stryker runs mutant after mutant in one process, switching the active
 * mutant between runs, and this package keeps process-wide state by design:
 * one count of work in flight per tenant, the patch on juggler's
 * `ModelBuilder`, the tenant fallback. A mutant that leaves a tenant busy or
 * a bridge installed fails the tests of the mutants run after it in the same
 * process, and those then count as killed: two runs of the same code
 * disagreed on 67 of about 1,200 mutants before this hook. Before each run,
 * with no mutant active, it sets every tenant's count of work back to zero,
 * uninstalls the bridges they left installed and restores the default
 * tenant fallback: what a fresh process would have.
 */
import * as bridge from '../../src/bridge/juggler-bridge';
import {setTenantFallback} from '../../src/context/tenant-fallback';
import * as tenantWork from '../../src/context/tenant-lease';

/** Stryker's global: `activeMutant` is the mutant the instrumented code runs. */
const STRYKER_GLOBAL = '__stryker__';
interface StrykerContext {
  activeMutant?: string;
}

const workCounts = new Set<tenantWork.TenantLease>();
const uninstallers: bridge.UninstallJugglerBridge[] = [];

// The compiled modules read each other's exports at call time, so wrapping
// the exports sees every count of work begun and every installation.
const {acquireLease, acquireLeaseOn} = tenantWork;
const {installJugglerBridge} = bridge;
Object.assign(tenantWork, {
  acquireLease(tenantId: string) {
    const work = acquireLease(tenantId);
    workCounts.add(work);
    return work;
  },
  acquireLeaseOn(work: tenantWork.TenantLease | undefined, tenantId: string) {
    const begun = acquireLeaseOn(work, tenantId);
    workCounts.add(begun);
    return begun;
  },
});
Object.assign(bridge, {
  installJugglerBridge(...args: Parameters<typeof installJugglerBridge>) {
    const uninstall = installJugglerBridge(...args);
    uninstallers.push(uninstall);
    return uninstall;
  },
});

export const mochaHooks = {
  beforeAll(): void {
    const stryker = (globalThis as Record<string, StrykerContext | undefined>)[
      STRYKER_GLOBAL
    ];
    const activeMutant = stryker?.activeMutant;
    if (stryker) stryker.activeMutant = undefined;
    try {
      for (const uninstall of uninstallers.splice(0)) uninstall();
      // A mutant may have left a count above zero, or below it.
      for (const work of workCounts) {
        if (work.count === 0) continue;
        work.count = 1;
        tenantWork.endLease(work);
      }
      workCounts.clear();
      setTenantFallback(undefined);
    } finally {
      if (stryker) stryker.activeMutant = activeMutant;
    }
  },
};
