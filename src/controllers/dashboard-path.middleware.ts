// Copyright loopback4-tenant-registry contributors. MIT License.

import {Binding, extensionFor} from '@loopback/core';
import {asMiddleware, RestTags, type Middleware} from '@loopback/rest';
import {invalidPathError} from '../errors';
import {toHttpError} from '../request/http-errors';

/**
 * Answers 400 `INVALID_PATH` for a path under the dashboard with a malformed
 * percent-escape (`%ZZ`, `%C3%28`), before route lookup: LoopBack's router
 * runs `decodeURIComponent` on path parameters (`trie.js`, `matchChildren`)
 * and answers 500 for its `URIError`.
 *
 * @remarks
 * Only the dashboard's routes have path parameters; the app's own routes are
 * left as LoopBack answers them. Bound only when the dashboard is enabled,
 * in the REST middleware chain and in the legacy `DefaultSequence`'s action
 * chain, in front of route lookup in both.
 *
 * @param basePath - `dashboard.path`.
 * @internal
 */
export function createDashboardPathBinding(basePath: string): Binding {
  const base = basePath.split('/').filter(Boolean);
  const checkPath: Middleware = (context, next) => {
    const {request} = context;
    // Most requests have no escape anywhere: one scan, nothing parsed.
    if (
      request.url.includes('%') &&
      hasMalformedEscapeUnder(request.path, base)
    ) {
      throw toHttpError(invalidPathError());
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

/**
 * Whether `path` is under `base` as LoopBack's router sees it (non-empty
 * segments, so `//` does not count) and a segment after it does not decode.
 */
function hasMalformedEscapeUnder(
  path: string,
  base: readonly string[],
): boolean {
  const segments = path.split('/').filter(Boolean);
  if (segments.length <= base.length) return false;
  for (let index = 0; index < base.length; index++) {
    if (segments[index] !== base[index]) return false;
  }
  return segments.slice(base.length).some(segment => !isDecodable(segment));
}

function isDecodable(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}
