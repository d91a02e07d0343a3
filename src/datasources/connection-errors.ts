// Copyright loopback4-tenant-registry contributors. MIT License.

// Socket errors: the database cannot be reached (or stopped answering).
const NETWORK_ERROR_CODE =
  /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;

// SQLSTATEs of a lost or refused session, also at ERROR severity: class 08,
// 57P01-57P04 (shutdown, cannot connect now, database dropped), 53300.
const SQLSTATE = /^(08|57P|53300)/;

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
 * Whether an error says the database connection failed or was lost, not that
 * a query was bad; looks one level into `errors` and `cause`.
 */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 1) return false;
  const {code, severity, message, errors, cause} = error as Record<
    string,
    unknown
  >;
  return (
    (typeof code === 'string' &&
      (NETWORK_ERROR_CODE.test(code) || SQLSTATE.test(code))) ||
    severity === 'FATAL' ||
    severity === 'PANIC' ||
    (typeof message === 'string' &&
      DRIVER_MESSAGES.some(prefix => message.startsWith(prefix))) ||
    (Array.isArray(errors) &&
      errors.some(e => isConnectionError(e, depth + 1))) ||
    isConnectionError(cause, depth + 1)
  );
}

/** Every client of the pool stayed busy: 503, but the DataSource is fine. */
export function isPoolBusyError(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.message === POOL_BUSY_MESSAGE &&
    (error as {code?: unknown}).code === undefined
  );
}
