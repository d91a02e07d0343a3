// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Mocha root hooks for `npm run test:mutation` only (stryker.config.js
 * requires this file; `npm test` does not).
 *
 * @remarks
 * Stryker runs mutant after mutant in one process, and this package keeps
 * process-wide state by design: one lease count per tenant, the patch on
 * juggler's `ModelBuilder`, the tenant fallback. A mutant that leaves a
 * tenant leased or a bridge installed fails the tests of the mutants run
 * after it, which then count as killed: two runs of the same code disagreed
 * on 67 of about 1,200 mutants without this hook. Before each run, with no
 * mutant active, it ends every lease left, uninstalls the bridges left
 * installed and restores the default tenant fallback: what a fresh process
 * would have.
 */
import * as bridge from '../../src/bridge/juggler-bridge';
import {setTenantFallback} from '../../src/context/tenant-context';
import * as tenantLease from '../../src/context/tenant-lease';

/** Stryker's global: `activeMutant` is the mutant the instrumented code runs. */
const STRYKER_GLOBAL = '__stryker__';
interface StrykerContext {
  activeMutant?: string;
}

const leases = new Set<tenantLease.TenantLease>();
const uninstallers: bridge.UninstallJugglerBridge[] = [];

// The compiled modules read each other's exports at call time, so wrapping
// the exports sees every lease acquired and every installation.
const {acquireLease, acquireLeaseOn} = tenantLease;
const {installJugglerBridge} = bridge;
Object.assign(tenantLease, {
  acquireLease(tenantId: string) {
    const lease = acquireLease(tenantId);
    leases.add(lease);
    return lease;
  },
  acquireLeaseOn(lease: tenantLease.TenantLease | undefined, tenantId: string) {
    const acquired = acquireLeaseOn(lease, tenantId);
    leases.add(acquired);
    return acquired;
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
      // What a mutant handed out may be anything (a lease that is undefined,
      // an uninstall that is not a function): this hook must never throw,
      // or every later mutant would count as killed by it.
      for (const uninstall of uninstallers.splice(0)) {
        if (typeof uninstall === 'function') ignoringErrors(uninstall);
      }
      // A mutant may have left a count above zero, or below it.
      for (const lease of leases) {
        if (typeof lease !== 'object' || lease === null) continue;
        if (lease.count === 0) continue;
        lease.count = 1;
        ignoringErrors(() => tenantLease.endLease(lease));
      }
      leases.clear();
      setTenantFallback(undefined);
    } finally {
      if (stryker) stryker.activeMutant = activeMutant;
    }
  },
};

function ignoringErrors(fn: () => void): void {
  try {
    fn();
  } catch {
    // The next run starts clean either way.
  }
}
