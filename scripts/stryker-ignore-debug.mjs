// Copyright loopback4-tenant-registry contributors. MIT License.

// A Stryker ignorer (`npm run test:mutation`): mutants inside `debug(...)`
// calls and `debugFactory(...)` namespaces change only the text of the
// diagnostics that DEBUG=loopback:tenant-registry:* prints, never what the
// package does, so they are reported as ignored rather than as survivors.
import {PluginKind, declareValuePlugin} from '@stryker-mutator/api/plugin';

const DIAGNOSTIC_CALLS = new Set(['debug', 'debugFactory']);

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'debug-output', {
    shouldIgnore(path) {
      const node = path.node;
      if (
        node.type === 'CallExpression' &&
        node.callee.type === 'Identifier' &&
        DIAGNOSTIC_CALLS.has(node.callee.name)
      ) {
        return 'Diagnostic output (debug), not behaviour';
      }
      return undefined;
    },
  }),
];
