// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Stable error codes raised by this package, part of the public API: HTTP
 * clients see them as `error.code` in the JSON body.
 *
 * @example
 * ```ts
 * throw new TenantRegistryError(
 *   TenantRegistryErrorCodes.TENANT_NOT_FOUND,
 *   'No tenant acme in the catalog',
 * );
 * ```
 */
export const TenantRegistryErrorCodes = {
  /** A tenant id failed validation (HTTP 400). */
  INVALID_TENANT_ID: 'INVALID_TENANT_ID',
  /** No strategy resolved a tenant where one is required (HTTP 400). */
  TENANT_REQUIRED: 'TENANT_REQUIRED',
  /** A bearer token is missing, malformed or could not be verified (HTTP 401). */
  INVALID_TENANT_TOKEN: 'INVALID_TENANT_TOKEN',
  /** The tenant is suspended fleet-wide (HTTP 403). */
  TENANT_SUSPENDED: 'TENANT_SUSPENDED',
  /** Admission says the tenant does not exist (HTTP 404). */
  TENANT_NOT_FOUND: 'TENANT_NOT_FOUND',
  /** `maxTenants` is reached and every tenant is leased (HTTP 503). */
  TENANT_CAPACITY: 'TENANT_CAPACITY',
  /** The tenant's DataSource cannot be opened or lost its connection, or no slot freed up in time (HTTP 503). */
  TENANT_DATASOURCE_UNAVAILABLE: 'TENANT_DATASOURCE_UNAVAILABLE',
  /** The admission check failed, timed out or had too many pending (HTTP 503). */
  TENANT_ADMISSION_UNAVAILABLE: 'TENANT_ADMISSION_UNAVAILABLE',
  /** The fleet events transport is down; nothing was changed (HTTP 503). */
  TENANT_EVENTS_UNAVAILABLE: 'TENANT_EVENTS_UNAVAILABLE',
  /** A dashboard or admin request without valid credentials (HTTP 401). */
  DASHBOARD_UNAUTHORIZED: 'DASHBOARD_UNAUTHORIZED',
  /** An admin state change that is not a same-origin JSON request (HTTP 403). */
  DASHBOARD_FORBIDDEN: 'DASHBOARD_FORBIDDEN',
  /** A path under the package's own endpoints with a malformed percent-escape (HTTP 400). */
  INVALID_PATH: 'INVALID_PATH',
  /** A configuration option has a bad value (thrown at start, never HTTP). */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A prefix leaves no room for a tenant's name under the identifier limit (HTTP 500). */
  TENANT_IDENTIFIER_TOO_LONG: 'TENANT_IDENTIFIER_TOO_LONG',
  /** The identity provider's keys (JWKS) could not be fetched to verify a token (HTTP 503). */
  TENANT_KEYS_UNAVAILABLE: 'TENANT_KEYS_UNAVAILABLE',
  /** The application bound something else at `datasources.tenant`, the key of `TENANT_DATASOURCE` (thrown at start, never HTTP). */
  TENANT_DATASOURCE_KEY_TAKEN: 'TENANT_DATASOURCE_KEY_TAKEN',
  /** `dropTenantSchema` refused: `schemas.allowDrop` is off, the confirmation is wrong, the connector has no schemas or a migration holds the tenant (thrown in code, never HTTP). */
  TENANT_SCHEMA_DROP_REFUSED: 'TENANT_SCHEMA_DROP_REFUSED',
  /** `schemas.migrateOnFirstUse`: the tenant's schema is being migrated (or another migrator holds it) beyond the wait; it goes on (HTTP 503, `Retry-After`). */
  TENANT_SCHEMA_MIGRATING: 'TENANT_SCHEMA_MIGRATING',
  /** `schemas.migrateOnFirstUse`: the tenant's schema migration failed; it is tried again after `Retry-After` (HTTP 503). */
  TENANT_SCHEMA_MIGRATION_FAILED: 'TENANT_SCHEMA_MIGRATION_FAILED',
} as const;

/** One of the {@link TenantRegistryErrorCodes}. */
export type TenantRegistryErrorCode =
  (typeof TenantRegistryErrorCodes)[keyof typeof TenantRegistryErrorCodes];

const STATUS_BY_CODE: Readonly<Record<TenantRegistryErrorCode, number>> = {
  INVALID_TENANT_ID: 400,
  TENANT_REQUIRED: 400,
  INVALID_TENANT_TOKEN: 401,
  TENANT_SUSPENDED: 403,
  TENANT_NOT_FOUND: 404,
  TENANT_CAPACITY: 503,
  TENANT_DATASOURCE_UNAVAILABLE: 503,
  TENANT_ADMISSION_UNAVAILABLE: 503,
  TENANT_EVENTS_UNAVAILABLE: 503,
  DASHBOARD_UNAUTHORIZED: 401,
  DASHBOARD_FORBIDDEN: 403,
  INVALID_PATH: 400,
  INVALID_OPTION: 500,
  TENANT_IDENTIFIER_TOO_LONG: 500,
  TENANT_KEYS_UNAVAILABLE: 503,
  TENANT_DATASOURCE_KEY_TAKEN: 500,
  TENANT_SCHEMA_DROP_REFUSED: 500,
  TENANT_SCHEMA_MIGRATING: 503,
  TENANT_SCHEMA_MIGRATION_FAILED: 503,
};

/**
 * The one error class of this package: branch on its stable `code`.
 *
 * @example
 * ```ts
 * try {
 *   await admission.runInTenant(tenantId, () => job.run());
 * } catch (err) {
 *   if (!(err instanceof TenantRegistryError)) throw err;
 *   if (err.code === TenantRegistryErrorCodes.TENANT_CAPACITY) {
 *     retryLater(err.retryAfter); // seconds, or undefined
 *   }
 * }
 * ```
 */
export class TenantRegistryError extends Error {
  /** Stable machine-readable code. */
  readonly code: TenantRegistryErrorCode;
  /** The HTTP status a request failing with it answers. */
  readonly statusCode: number;
  /** Seconds after which a retry may succeed (on 503s worth retrying). */
  readonly retryAfter: number | undefined;

  /**
   * @param message - What failed and how to fix it; never a secret.
   * @param retryAfter - Seconds, for a `Retry-After` header.
   */
  constructor(
    code: TenantRegistryErrorCode,
    message: string,
    retryAfter?: number,
  ) {
    super(message);
    this.name = 'TenantRegistryError';
    this.code = code;
    this.statusCode = STATUS_BY_CODE[code];
    this.retryAfter = retryAfter;
  }
}

const MAX_SHOWN_LENGTH = 40;

/** User input for a message: escaped, truncated, typed; never raw control characters. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown =
      value.length > MAX_SHOWN_LENGTH
        ? `${value.slice(0, MAX_SHOWN_LENGTH)}... (${value.length} characters)`
        : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const isShown = ['number', 'boolean', 'undefined'].includes(typeof value);
  return isShown || value === null ? String(value) : `a ${typeof value}`;
}

// Each message is written once, below. User input goes through describeValue;
// a token or key is never shown; a cause is kept (not enumerable) for logs.
function make(
  code: TenantRegistryErrorCode,
  message: string,
  retryAfter?: number,
  cause?: unknown,
): TenantRegistryError {
  const error = new TenantRegistryError(code, message, retryAfter);
  if (cause !== undefined) {
    Object.defineProperty(error, 'cause', {value: cause, enumerable: false});
  }
  return error;
}

/** `reason` says which rule the value broke. */
export const invalidTenantIdError = (value: unknown, reason: string) =>
  make(
    'INVALID_TENANT_ID',
    `Invalid tenant id ${describeValue(value)}: ${reason}. A tenant id is 1 to 128 characters of letters, digits, ".", "_", "-" or ":", starting with a letter or digit.`,
  );

/** An invalid id on an admin path: not echoed, so not reflected. */
export const unshownTenantIdError = () =>
  make('INVALID_TENANT_ID', 'Invalid tenant id.');

/** `source` is e.g. `the x-tenant-id header`. */
export const repeatedTenantSourceError = (source: string) =>
  make(
    'INVALID_TENANT_ID',
    `Invalid tenant id: ${source} was sent more than once; send it once.`,
  );

export const tenantRequiredError = () =>
  make(
    'TENANT_REQUIRED',
    'A tenant is required for this request, and none was given.',
  );

/** `reason` is secret-free (see the jwt strategy). */
export const invalidTenantTokenError = (reason: string) =>
  make('INVALID_TENANT_TOKEN', `The tenant token was refused: ${reason}.`);

/** `name` is the option's path, e.g. `jwt.algorithms`. */
/** `app.configure(COMPONENT)` after `app.component()`, which read the options. */
export const configuredTooLateError = () =>
  make(
    'INVALID_OPTION',
    'TenantRegistryComponent read its options at app.component(): call ' +
      'app.configure(TenantRegistryBindings.COMPONENT).to(...) before ' +
      'app.component(TenantRegistryComponent), not after',
  );

export const invalidOptionError = (
  name: string,
  expected: string,
  value: unknown,
) =>
  make(
    'INVALID_OPTION',
    `Invalid option \`${name}\`: expected ${expected}, got ${describeValue(value)}`,
  );

export const tenantDataSourceUnavailableError = (
  tenantId: string,
  cause: unknown,
  retryAfter = 1,
) =>
  make(
    'TENANT_DATASOURCE_UNAVAILABLE',
    `The DataSource of tenant ${describeValue(tenantId)} is not available now; try again later.`,
    retryAfter,
    cause,
  );

export const tenantSuspendedError = () =>
  make('TENANT_SUSPENDED', 'This tenant is suspended.');

export const tenantNotFoundError = () =>
  make('TENANT_NOT_FOUND', 'No such tenant.');

export const tenantCapacityError = (retryAfter: number) =>
  make(
    'TENANT_CAPACITY',
    'The service is at its tenant capacity and every tenant is busy; try again shortly.',
    retryAfter,
  );

export const admissionUnavailableError = (reason: string) =>
  make(
    'TENANT_ADMISSION_UNAVAILABLE',
    `The tenant could not be checked (${reason}); try again shortly.`,
    1,
  );

export const tenantEventsUnavailableError = (cause: unknown) =>
  make(
    'TENANT_EVENTS_UNAVAILABLE',
    'The fleet events transport is unavailable; nothing was changed. Try again when it is back.',
    5,
    cause,
  );

export const dashboardUnauthorizedError = () =>
  make(
    'DASHBOARD_UNAUTHORIZED',
    'The tenant registry dashboard needs a valid token.',
  );

/** `cross-origin`: `Sec-Fetch-Site` or `Origin` names another origin. */
export const dashboardForbiddenError = (
  reason: 'simple-request' | 'cross-origin',
) =>
  make(
    'DASHBOARD_FORBIDDEN',
    reason === 'simple-request'
      ? 'Admin actions need a JSON request (content-type: application/json) or the x-tenant-registry-action header.'
      : "Admin actions must come from the dashboard's own origin. Behind a proxy that changes the Host header or the protocol, list the dashboard's public origin in `dashboard.origins`.",
  );

/** The path is not shown: it is user input on an admin path. */
export const invalidPathError = () =>
  make('INVALID_PATH', 'The request path has a malformed percent-escape.');

/** `minimum`: bytes a shortened name needs besides the prefix. */
export const tenantIdentifierTooLongError = (
  prefix: string,
  tenantId: string,
  maxBytes: number,
  minimum: number,
) =>
  make(
    'TENANT_IDENTIFIER_TOO_LONG',
    `The name of tenant ${describeValue(tenantId)} with prefix ${describeValue(prefix)} does not fit in ${maxBytes} bytes: a shortened name needs the prefix and ${minimum} bytes. Use a prefix of at most ${maxBytes - minimum} bytes (or a larger limit, if your database has one).`,
  );

/** `retryAfter`: seconds until the keys are fetched again. */
export const tenantKeysUnavailableError = (
  retryAfter: number,
  cause: unknown,
) =>
  make(
    'TENANT_KEYS_UNAVAILABLE',
    'The keys that verify tenant tokens could not be fetched from the identity provider; try again later.',
    retryAfter,
    cause,
  );

/** `key` is `datasources.tenant`; nothing in the message is user input. */
export const tenantDataSourceKeyTakenError = (key: string) =>
  make(
    'TENANT_DATASOURCE_KEY_TAKEN',
    `The application bound its own value at "${key}", the key of TenantRegistryBindings.TENANT_DATASOURCE (the current tenant's DataSource): a DataSource named "tenant", or a DataSource class whose dataSourceName is "tenant"? Rename it (for example to "tenantdb"), or bind it at another key; repositories that want the tenant's DataSource inject TenantRegistryBindings.TENANT_DATASOURCE.`,
  );

/** `reason` is ours, never user input; the tenant id is escaped. */
export const tenantSchemaDropRefusedError = (
  tenantId: string,
  reason: string,
) =>
  make(
    'TENANT_SCHEMA_DROP_REFUSED',
    `The schema of tenant ${describeValue(tenantId)} was not dropped: ${reason}.`,
  );

/** Nothing of the tenant or the migration is shown: it answers HTTP. */
export const tenantSchemaMigratingError = (retryAfter: number) =>
  make(
    'TENANT_SCHEMA_MIGRATING',
    "This tenant's data is being upgraded; try again shortly.",
    retryAfter,
  );

/** `cause` (the migration's error) is kept for logs, never shown. */
export const tenantSchemaMigrationFailedError = (
  retryAfter: number,
  cause: unknown,
) =>
  make(
    'TENANT_SCHEMA_MIGRATION_FAILED',
    "This tenant's data could not be upgraded; try again later.",
    retryAfter,
    cause,
  );
