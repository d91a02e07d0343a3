// Copyright loopback4-tenant-registry contributors. MIT License.

import {Binding, extensionFor} from '@loopback/core';
import {asMiddleware, RestTags, type Middleware} from '@loopback/rest';
import {invalidPathError} from '../errors';
import {toHttpError} from '../request/http-errors';

/**
 * 400 `INVALID_PATH` for a malformed escape (`%ZZ`) under the dashboard, before
 * route lookup: LoopBack's router decodes path parameters (`trie.js`,
 * `matchChildren`) and answers 500 for the `URIError`. @internal
 */
export function createDashboardPathBinding(basePath: string): Binding {
  const base = basePath.split('/').filter(Boolean);
  const checkPath: Middleware = (context, next) => {
    const {request} = context;
    if (request.url.includes('%')) {
      // Non-empty segments, as the router sees them (`//` does not count).
      const segments = request.path.split('/').filter(Boolean);
      if (
        segments.length > base.length &&
        base.every((segment, index) => segments[index] === segment) &&
        segments.slice(base.length).some(segment => !isDecodable(segment))
      ) {
        throw toHttpError(invalidPathError());
      }
    }
    return next();
  };
  return Binding.bind('tenant-registry.middleware.dashboard-path')
    .to(checkPath)
    .apply(
      asMiddleware({
        group: 'tenantRegistryPaths',
        upstreamGroups: ['cors'],
        downstreamGroups: ['findRoute'],
      }),
      extensionFor(RestTags.ACTION_MIDDLEWARE_CHAIN),
    );
}

function isDecodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}
