// Copyright loopback4-tenant-registry contributors. MIT License.

import {HttpErrors, type Request} from '@loopback/rest';
import {createHash, timingSafeEqual} from 'node:crypto';
import type {DashboardOptions} from '../types';

/** The stable code of a refused dashboard or admin request. */
export const DASHBOARD_UNAUTHORIZED = 'DASHBOARD_UNAUTHORIZED';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Check a dashboard or admin request: the configured `authorize` function
 * when there is one, else the token (a `Bearer` header, or `?token=` for the
 * page itself), compared in constant time.
 *
 * @throws An HTTP 401 with code `DASHBOARD_UNAUTHORIZED`.
 */
export async function authorizeDashboard(
  request: Request,
  options: DashboardOptions,
  allowQueryToken: boolean,
): Promise<void> {
  let isAllowed = false;
  if (options.authorize !== undefined) {
    isAllowed = (await options.authorize(request)) === true;
  } else if (options.token !== undefined) {
    const presented = presentedToken(request, allowQueryToken);
    isAllowed =
      presented !== undefined &&
      timingSafeEqual(digest(presented), digest(options.token));
  }
  if (!isAllowed) {
    throw Object.assign(
      new HttpErrors.Unauthorized(
        'The tenant registry dashboard needs a valid token.',
      ),
      {code: DASHBOARD_UNAUTHORIZED},
    );
  }
}

function presentedToken(
  request: Request,
  allowQueryToken: boolean,
): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (match !== null) return match[1];
  if (!allowQueryToken) return undefined;
  const token = request.query?.token;
  return typeof token === 'string' ? token : undefined;
}
