// Copyright loopback4-tenant-registry contributors. MIT License.

// What a page on another origin cannot make a browser send, read from headers
// the page does not control; used by the dashboard's authorization.

import type {IncomingHttpHeaders} from 'node:http';

// RFC 9110 section 5.6.2 token characters (WHATWG: "HTTP token code points").
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The essence (`type/subtype`, lower case) of a `Content-Type`, parsed as
 * WHATWG's "parse a MIME type" does, which is what a browser applies to
 * decide whether a request is "simple": parameters are cut at the first `;`
 * and never read. `undefined` when it does not parse.
 */
export function mediaTypeEssence(value: string): string | undefined {
  let start = 0;
  while (start < value.length && isHttpWhitespace(value, start)) start++;
  const slash = value.indexOf('/', start);
  if (slash === -1) return undefined;
  const type = value.slice(start, slash);
  const semicolon = value.indexOf(';', slash);
  // Trailing whitespace before the parameters goes; a leading one stays and
  // fails the token test, as in the standard.
  let end = semicolon === -1 ? value.length : semicolon;
  while (end > slash + 1 && isHttpWhitespace(value, end - 1)) end--;
  const subtype = value.slice(slash + 1, end);
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  return `${type}/${subtype}`.toLowerCase();
}

/** WHATWG "HTTP whitespace": tab, line feed, carriage return, space. */
function isHttpWhitespace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Whether a `Content-Type` is `application/json` or `application/<x>+json`:
 * a type no form or `no-cors` fetch may send, so a browser sends it from
 * another origin only after a CORS preflight.
 */
export function isJsonMediaType(value: string | undefined): boolean {
  const essence = value === undefined ? undefined : mediaTypeEssence(value);
  if (essence === undefined) return false;
  return (
    essence === 'application/json' ||
    (essence.startsWith('application/') &&
      essence.endsWith('+json') &&
      essence.length > 'application/+json'.length)
  );
}

/**
 * The serialized origin (lower case, no default port) of an absolute
 * `http:` or `https:` URL that is only an origin: no path beyond `/`, no
 * user, query or fragment. `undefined` for anything else, `null` included.
 */
export function parseOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const isOriginOnly =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.pathname === '/' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === '' &&
    !text.endsWith('?') &&
    !text.endsWith('#');
  return isOriginOnly ? url.origin : undefined;
}

/**
 * Whether a request says it comes from the dashboard's own origin, or says
 * nothing (clients other than browsers send neither header).
 *
 * @remarks
 * `Sec-Fetch-Site`, when present, must be `same-origin`. `Origin`, when
 * present, must be one of `allowedOrigins` when given, else the request's
 * own origin: its `protocol` (Express honours `trust proxy`) and `Host`.
 * `Origin: null` (sandboxed frames, `data:` pages, some redirects) never
 * matches.
 */
export function isSameOrigin(
  request: {headers: IncomingHttpHeaders; protocol: string},
  allowedOrigins: ReadonlySet<string> | undefined,
): boolean {
  const {headers} = request;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  if (headers.origin === undefined) return true;
  const presented = parseOrigin(headers.origin);
  if (presented === undefined) return false;
  if (allowedOrigins !== undefined) return allowedOrigins.has(presented);
  // A Host a browser sends is a host and a port: anything that would give
  // the URL a path, a user or a query is not one.
  const host = headers.host;
  if (host === undefined || /[/\\@?#\s]/.test(host)) return false;
  return presented === parseOrigin(`${request.protocol}://${host}`);
}
