// Copyright loopback4-tenant-registry contributors. MIT License.

// Socket errors: the database cannot be reached (or stopped answering).
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// SQLSTATEs of a lost or refused session that may come with an ERROR rather
// than a FATAL severity: class 08 (connection exception), 57P01-57P04
// (admin shutdown, crash shutdown, cannot connect now, database dropped) and
// 53300 (too many connections).
const SQLSTATE_PREFIXES = ['08', '57P', '53300'];

// pg-pool 3's only message for a request that waited
// `connectionTimeoutMillis` for a client of a full pool (index.js, connect()).
const POOL_BUSY_MESSAGE = 'timeout exceeded when trying to connect';

// node-postgres (pg 8, pg-pool 3) raises these without a code when a
// connection dies, times out or its pool has ended.
const DRIVER_MESSAGES = [
  'Connection terminated',
  POOL_BUSY_MESSAGE,
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'Timeout in connecting after',
];

/**
 * Whether an error says the database connection failed or was lost, as
 * opposed to a bad query: a socket error, a PostgreSQL error of `FATAL` or
 * `PANIC` severity (the server ends the session: database missing or not
 * accepting connections, authentication or `CONNECT` privilege refused,
 * shutdown), a connection-class SQLSTATE, or a node-postgres connection
 * message. Looks one level into `errors` (`AggregateError`) and `cause`.
 *
 * @param error - Anything a connector reported.
 * @internal
 */
export function isConnectionError(error: unknown): boolean {
  return check(error, 0);
}

function check(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 1) return false;
  const {code, severity, message, errors, cause} = error as {
    code?: unknown;
    severity?: unknown;
    message?: unknown;
    errors?: unknown;
    cause?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_ERROR_CODES.has(code)) return true;
    if (SQLSTATE_PREFIXES.some(prefix => code.startsWith(prefix))) return true;
  }
  if (severity === 'FATAL' || severity === 'PANIC') return true;
  if (
    typeof message === 'string' &&
    DRIVER_MESSAGES.some(prefix => message.startsWith(prefix))
  ) {
    return true;
  }
  if (Array.isArray(errors) && errors.some(e => check(e, depth + 1))) {
    return true;
  }
  return check(cause, depth + 1);
}

/**
 * Whether an error says only that every connection of the pool was busy
 * for `connectionTimeoutMillis`: a connection error for the request (503),
 * but the pool's connections are fine, so the DataSource is not broken.
 *
 * @param error - Anything a connector reported.
 * @internal
 */
export function isPoolBusyError(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.message === POOL_BUSY_MESSAGE &&
    (error as {code?: unknown}).code === undefined
  );
}
