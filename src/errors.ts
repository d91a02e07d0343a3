// Copyright loopback4-tenant-registry contributors. MIT License.

/**
 * Stable error codes raised by this package. They are part of the public API:
 * HTTP clients see them as `error.code` in the JSON body.
 */
export const TenantRegistryErrorCodes = {
  /** A tenant id failed validation (HTTP 400). */
  INVALID_TENANT_ID: 'INVALID_TENANT_ID',
  /** `requireTenant` is on and no strategy resolved a tenant (HTTP 400). */
  TENANT_REQUIRED: 'TENANT_REQUIRED',
  /** A bearer token could not be verified (HTTP 401). */
  INVALID_TENANT_TOKEN: 'INVALID_TENANT_TOKEN',
  /** A configuration option has a bad value (thrown at start). */
  INVALID_OPTION: 'INVALID_OPTION',
  /** The tenant is suspended fleet-wide (HTTP 403). */
  TENANT_SUSPENDED: 'TENANT_SUSPENDED',
  /** The tenant's DataSource could not be created (HTTP 503). */
  TENANT_DATASOURCE_UNAVAILABLE: 'TENANT_DATASOURCE_UNAVAILABLE',
} as const;

/** One of the {@link TenantRegistryErrorCodes}. */
export type TenantRegistryErrorCode =
  (typeof TenantRegistryErrorCodes)[keyof typeof TenantRegistryErrorCodes];

/**
 * The one error class of this package.
 *
 * @remarks
 * `code` is stable and safe to branch on. `statusCode` is set only on errors
 * meant to reach an HTTP client; the framework-free core never sets it.
 */
export class TenantRegistryError extends Error {
  /** Stable machine-readable code. */
  readonly code: TenantRegistryErrorCode;
  /** HTTP status for errors that answer a request; `undefined` otherwise. */
  readonly statusCode: number | undefined;

  constructor(
    code: TenantRegistryErrorCode,
    message: string,
    statusCode?: number,
  ) {
    super(message);
    this.name = 'TenantRegistryError';
    this.code = code;
    this.statusCode = statusCode;
  }
}

const MAX_SHOWN_LENGTH = 40;

/**
 * Describe user input for an error message: escaped, truncated, typed.
 *
 * @param value - Any value, usually untrusted input.
 * @returns A short printable description that never contains raw control
 * characters.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown =
      value.length > MAX_SHOWN_LENGTH
        ? `${value.slice(0, MAX_SHOWN_LENGTH)}... (${value.length} characters)`
        : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return `a ${typeof value}`;
}

/**
 * A tenant id failed validation.
 *
 * @param value - The offending value (shown escaped and truncated).
 * @param reason - What rule it broke.
 */
export function invalidTenantIdError(
  value: unknown,
  reason: string,
): TenantRegistryError {
  return new TenantRegistryError(
    TenantRegistryErrorCodes.INVALID_TENANT_ID,
    `Invalid tenant id ${describeValue(value)}: ${reason}. ` +
      'A tenant id is 1 to 128 characters of letters, digits, ".", "_", "-" ' +
      'or ":", starting with a letter or digit.',
  );
}

/** No tenant was resolved for a request while `requireTenant` is on. */
export function tenantRequiredError(): TenantRegistryError {
  return new TenantRegistryError(
    TenantRegistryErrorCodes.TENANT_REQUIRED,
    'A tenant is required for this request, and none was given.',
  );
}

/**
 * A bearer token could not be verified. The token itself is never echoed.
 *
 * @param reason - Why verification failed (no secret material).
 */
export function invalidTenantTokenError(reason: string): TenantRegistryError {
  return new TenantRegistryError(
    TenantRegistryErrorCodes.INVALID_TENANT_TOKEN,
    `The tenant token could not be verified: ${reason}.`,
  );
}

/**
 * A configuration option has a bad value.
 *
 * @param name - The option's path, e.g. `maxTenants` or `jwt.algorithms`.
 * @param expected - What it should be.
 * @param value - What it was.
 */
export function invalidOptionError(
  name: string,
  expected: string,
  value: unknown,
): TenantRegistryError {
  return new TenantRegistryError(
    TenantRegistryErrorCodes.INVALID_OPTION,
    `Invalid option \`${name}\`: expected ${expected}, got ${describeValue(
      value,
    )}`,
  );
}

/**
 * The tenant DataSource factory failed. The cause is kept for logs, not
 * shown to clients.
 *
 * @param tenantId - The tenant (a validated id).
 * @param cause - What the factory threw.
 */
export function tenantDataSourceUnavailableError(
  tenantId: string,
  cause: unknown,
): TenantRegistryError {
  const error = new TenantRegistryError(
    TenantRegistryErrorCodes.TENANT_DATASOURCE_UNAVAILABLE,
    `The DataSource of tenant ${describeValue(
      tenantId,
    )} is not available now; try again later.`,
  );
  Object.defineProperty(error, 'cause', {value: cause, enumerable: false});
  return error;
}

/** The tenant is suspended (see `RegistryManager.suspendTenant`). */
export function tenantSuspendedError(): TenantRegistryError {
  return new TenantRegistryError(
    TenantRegistryErrorCodes.TENANT_SUSPENDED,
    'This tenant is suspended.',
  );
}
