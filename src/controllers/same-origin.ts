// Copyright loopback4-tenant-registry contributors. MIT License.

import type {IncomingHttpHeaders} from 'node:http';

/*
 * What a page on another origin cannot make a browser send, read from the
 * headers the page does not control. Framework-free; used by the
 * dashboard's authorization interceptor.
 */

// RFC 9110 section 5.6.2 token characters (WHATWG: "HTTP token code points").
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The essence of a media type (`type/subtype`, lower-case), parsed as the
 * WHATWG MIME Sniffing standard's "parse a MIME type" does, which is what a
 * browser applies to decide whether a request is "simple": parameters are
 * cut at the first `;` and never read.
 *
 * @param value - A `Content-Type` header value.
 * @returns The essence, or `undefined` when the value does not parse.
 */
export function mediaTypeEssence(value: string): string | undefined {
  let start = 0;
  while (start < value.length && isHttpWhitespace(value, start)) start++;
  const slash = value.indexOf('/', start);
  if (slash === -1) return undefined;
  const type = value.slice(start, slash);
  const semicolon = value.indexOf(';', slash);
  // Up to the parameters, without the whitespace before them (a leading
  // one stays, and fails the token test, as in the standard).
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
 * Whether a `Content-Type` is JSON: essence `application/json` or
 * `application/<something>+json`. None of these is a content type a form or
 * a `no-cors` fetch may send, so a browser sends such a request from another
 * origin only after a CORS preflight.
 *
 * @param value - A `Content-Type` header value, if any.
 */
export function isJsonMediaType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const essence = mediaTypeEssence(value);
  if (essence === undefined) return false;
  return (
    essence === 'application/json' ||
    (essence.startsWith('application/') &&
      essence.endsWith('+json') &&
      essence.length > 'application/+json'.length)
  );
}

/**
 * The serialized origin of an absolute `http:` or `https:` URL that is only
 * an origin (no path beyond `/`, no user, query or fragment), lower-case and
 * without a default port; `undefined` for anything else, `null` included.
 *
 * @param text - E.g. an `Origin` header, or `https://admin.example.com`.
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

/** The parts of a request {@link isSameOrigin} reads. */
export interface OriginRequest {
  headers: IncomingHttpHeaders;
  /** `http` or `https`, as Express says (it honours `trust proxy`). */
  protocol: string;
}

/**
 * Whether a request says it comes from the dashboard's own origin, or says
 * nothing (clients other than browsers send neither header).
 *
 * @remarks
 * `Sec-Fetch-Site`, when present, must be `same-origin`. `Origin`, when
 * present, must be one of `allowedOrigins` when given, else the request's
 * own origin: its protocol and its `Host` header. `Origin: null` (sandboxed
 * frames, `data:` pages, some redirects) never matches.
 *
 * @param request - The request.
 * @param allowedOrigins - Serialized origins (see {@link parseOrigin}).
 */
export function isSameOrigin(
  request: OriginRequest,
  allowedOrigins: ReadonlySet<string> | undefined,
): boolean {
  const {headers} = request;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  const presented = parseOrigin(origin);
  if (presented === undefined) return false;
  if (allowedOrigins !== undefined) return allowedOrigins.has(presented);
  return presented === ownOrigin(request);
}

function ownOrigin(request: OriginRequest): string | undefined {
  const host = request.headers.host;
  // Only a host and a port: anything that would make the URL below carry a
  // path, a user or a query is not a Host header a browser sends.
  if (host === undefined || /[/\\@?#\s]/.test(host)) return undefined;
  return parseOrigin(`${request.protocol}://${host}`);
}
