// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Interceptor} from '@loopback/core';
import {RestBindings, type Request} from '@loopback/rest';
import {createHash, timingSafeEqual} from 'node:crypto';
import {dashboardForbiddenError, dashboardUnauthorizedError} from '../errors';
import type {DashboardOptions} from '../options/tenant-registry-options';
import {toHttpError} from '../request/http-errors';
import {bearerTokenOf} from '../resolution/bearer-token';

/** The header the dashboard page sends with admin actions. */
export const ADMIN_ACTION_HEADER = 'x-tenant-registry-action';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The dashboard controller's one authorization check, as a class-level
 * interceptor: the configured `authorize` function when there is one, else
 * the token (a `Bearer` header, or `?token=` for the page itself), compared
 * in constant time. State changes must also be non-simple requests (JSON or
 * the `x-tenant-registry-action` header), which a cross-origin form cannot
 * send, so a cookie-based `authorize` is not open to CSRF.
 *
 * @param options - The dashboard options.
 * @param pageMethod - The controller method serving the HTML page.
 * @internal
 */
export function authorizeDashboard(
  options: DashboardOptions,
  pageMethod: string,
): Interceptor {
  const expected =
    options.token === undefined ? undefined : digest(options.token);
  return async (invocationContext, next) => {
    const request = await invocationContext.get(RestBindings.Http.REQUEST);
    const isPage = invocationContext.methodName === pageMethod;
    let isAllowed = false;
    if (options.authorize !== undefined) {
      isAllowed = (await options.authorize(request)) === true;
    } else if (expected !== undefined) {
      const presented = presentedToken(request, isPage);
      isAllowed =
        presented !== undefined && timingSafeEqual(digest(presented), expected);
    }
    if (!isAllowed) throw toHttpError(dashboardUnauthorizedError());
    if (request.method !== 'GET' && !isNonSimpleRequest(request)) {
      throw toHttpError(dashboardForbiddenError());
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

function isNonSimpleRequest(request: Request): boolean {
  if (request.headers[ADMIN_ACTION_HEADER] !== undefined) return true;
  const type = request.headers['content-type'] ?? '';
  return /^application\/(.+\+)?json\s*(;|$)/i.test(type);
}
