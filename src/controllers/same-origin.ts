// Copyright loopback4-tenant-registry contributors. MIT License.

import type {IncomingHttpHeaders} from 'node:http';

// RFC 9110 token characters (WHATWG "HTTP token code points").
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The lower-case `type/subtype` of a `Content-Type`, parsed as a browser
 * does to call a request "simple" (WHATWG "parse a MIME type").
 */
export function mediaTypeEssence(value: string): string | undefined {
  let start = 0;
  while (start < value.length && isHttpWhitespace(value, start)) start++;
  const slash = value.indexOf('/', start);
  if (slash === -1) return undefined;
  const type = value.slice(start, slash);
  const semicolon = value.indexOf(';', slash);
  // Trailing whitespace goes; a leading one stays and fails the token test.
  let end = semicolon === -1 ? value.length : semicolon;
  while (end > slash + 1 && isHttpWhitespace(value, end - 1)) end--;
  const subtype = value.slice(slash + 1, end);
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  return `${type}/${subtype}`.toLowerCase();
}

function isHttpWhitespace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** `application/json` or `application/<x>+json`: no form can send it. */
export function isJsonMediaType(value: string | undefined): boolean {
  const essence = value === undefined ? undefined : mediaTypeEssence(value);
  return (
    essence === 'application/json' ||
    (essence?.startsWith('application/') === true &&
      essence.endsWith('+json') &&
      essence.length > 'application/+json'.length)
  );
}

/** The origin of an `http(s):` URL that is only an origin, else `undefined`. */
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
 * Whether a request says it comes from its own origin (or `allowedOrigins`)
 * by `Sec-Fetch-Site` and `Origin`, or says nothing (non-browser clients).
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
  // A browser's Host is a host and a port, never a path, user or query.
  const host = headers.host;
  if (host === undefined || /[/\\@?#\s]/.test(host)) return false;
  return presented === parseOrigin(`${request.protocol}://${host}`);
}
