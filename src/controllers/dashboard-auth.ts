// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Interceptor} from '@loopback/core';
import {RestBindings, type Request} from '@loopback/rest';
import {createHash, timingSafeEqual} from 'node:crypto';
import {dashboardForbiddenError, dashboardUnauthorizedError} from '../errors';
import type {DashboardOptions} from '../options/tenant-registry-options';
import {toHttpError} from '../request/http-errors';
import {bearerTokenOf} from '../resolution/bearer-token';
import {isJsonMediaType, isSameOrigin, parseOrigin} from './same-origin';

/** The header the dashboard page sends with admin actions. */
const ADMIN_ACTION_HEADER = 'x-tenant-registry-action';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The dashboard controller's one authorization check, as a class-level
 * interceptor: the configured `authorize` function, else the token (a
 * `Bearer` header, or `?token=` for the page `pageMethod` serves) compared in
 * constant time.
 *
 * @remarks
 * A state change must also be a request a page on another origin cannot
 * make a browser send, so a cookie-based `authorize` is not open to CSRF:
 * JSON or the `x-tenant-registry-action` header (neither of which a form or
 * a `no-cors` fetch can send), and a same origin by `Sec-Fetch-Site` and
 * `Origin` when the browser sends them.
 *
 * @internal
 */
export function authorizeDashboard(
  options: DashboardOptions,
  pageMethod: string,
): Interceptor {
  const expected =
    options.token === undefined ? undefined : digest(options.token);
  // resolveOptions has checked that each one parses.
  const allowedOrigins =
    options.origins === undefined
      ? undefined
      : new Set(options.origins.map(origin => parseOrigin(origin)!));
  return async (invocationContext, next) => {
    const request = await invocationContext.get(RestBindings.Http.REQUEST);
    let isAllowed = false;
    if (options.authorize !== undefined) {
      isAllowed = (await options.authorize(request)) === true;
    } else if (expected !== undefined) {
      const isPage = invocationContext.methodName === pageMethod;
      const presented = presentedToken(request, isPage);
      isAllowed =
        presented !== undefined && timingSafeEqual(digest(presented), expected);
    }
    if (!isAllowed) throw toHttpError(dashboardUnauthorizedError());
    if (request.method === 'GET') return next();
    if (!isSameOrigin(request, allowedOrigins)) {
      throw toHttpError(dashboardForbiddenError('cross-origin'));
    }
    if (
      request.headers[ADMIN_ACTION_HEADER] === undefined &&
      !isJsonMediaType(request.headers['content-type'])
    ) {
      throw toHttpError(dashboardForbiddenError('simple-request'));
    }
    return next();
  };
}

function presentedToken(
  request: Request,
  allowQueryToken: boolean,
): string | undefined {
  const token = bearerTokenOf(request.headers.authorization);
  if (token !== undefined || !allowQueryToken) return token;
  const query = request.query?.token;
  return typeof query === 'string' ? query : undefined;
}
