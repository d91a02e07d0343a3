// Copyright loopback4-tenant-registry contributors. MIT License.

import type {Interceptor} from '@loopback/core';
import {RestBindings} from '@loopback/rest';
import {createHash, timingSafeEqual} from 'node:crypto';
import {dashboardForbiddenError, dashboardUnauthorizedError} from '../errors';
import type {DashboardOptions} from '../options/tenant-registry-options';
import {toHttpError} from '../request/http-errors';
import {bearerTokenOf} from '../resolution/jwt.strategy';
import {isJsonMediaType, isSameOrigin, parseOrigin} from './same-origin';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `authorize`, else the token (`Bearer`, or `?token=` for `pageMethod`) in
 * constant time. A state change must also be one another origin cannot make a
 * browser send (CSRF, for a cookie-based `authorize`). @internal
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
      let token = bearerTokenOf(request.headers.authorization);
      if (token === undefined && invocationContext.methodName === pageMethod) {
        const query = request.query?.token;
        token = typeof query === 'string' ? query : undefined;
      }
      isAllowed =
        token !== undefined && timingSafeEqual(digest(token), expected);
    }
    if (!isAllowed) throw toHttpError(dashboardUnauthorizedError());
    if (request.method === 'GET') return next();
    if (!isSameOrigin(request, allowedOrigins)) {
      throw toHttpError(dashboardForbiddenError('cross-origin'));
    }
    if (
      request.headers['x-tenant-registry-action'] === undefined &&
      !isJsonMediaType(request.headers['content-type'])
    ) {
      throw toHttpError(dashboardForbiddenError('simple-request'));
    }
    return next();
  };
}
