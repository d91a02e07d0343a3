// Copyright loopback4-tenant-registry contributors. MIT License.

/*
 * Context suite: reading the current tenant, against a plain variable read
 * and a require()-per-call lookup (what the juggler-level registry did).
 */

import {getCurrentTenant, runInTenant} from '../src';
import {isQuick, printTable, recordSuite} from './lib/report';
import {nsPerOp, showFigure} from './lib/timing';

let plainTenant: string | undefined = 'acme';

function requirePerCall(): string | undefined {
  const context = require('../src/context/tenant-context');
  return context.getCurrentTenant();
}

export function runContextSuite() {
  const quick = isQuick();
  const n = quick ? 20000 : 2_000_000;
  const rounds = quick ? 3 : 15;
  const inside = runInTenant('acme', () =>
    nsPerOp(() => getCurrentTenant(), n, rounds),
  );
  const outside = nsPerOp(() => getCurrentTenant(), n, rounds);
  const variable = nsPerOp(() => plainTenant, n, rounds);
  const required = runInTenant('acme', () =>
    nsPerOp(requirePerCall, n / 10, rounds),
  );
  const run = nsPerOp(() => runInTenant('acme', () => 1), n / 10, rounds);
  plainTenant = undefined;
  const figures = {
    insideNs: inside,
    outsideNs: outside,
    variableReadNs: variable,
    requirePerCallNs: required,
    runInTenantNs: run,
  };
  printTable(
    'context: ns per call (median of rounds, min-max)',
    ['operation', 'ns/call'],
    [
      ['getCurrentTenant() inside runInTenant', showFigure(inside, 1)],
      ['getCurrentTenant() outside (fallback asked)', showFigure(outside, 1)],
      ['a plain variable read', showFigure(variable, 1)],
      ['require() per call, then read', showFigure(required, 1)],
      ['runInTenant(id, () => 1)', showFigure(run, 1)],
    ],
  );
  recordSuite('context', figures);
  return figures;
}

if (require.main === module) runContextSuite();
