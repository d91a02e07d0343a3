// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidTenantIdError} from '../errors';

/** The longest tenant id accepted, in characters. */
export const MAX_TENANT_ID_LENGTH = 128;

const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/**
 * Whether `value` is an acceptable tenant id.
 *
 * @param value - Any value.
 * @returns `true` for a string of 1 to 128 characters from `[A-Za-z0-9._:-]`
 * that starts with a letter or a digit.
 */
export function isValidTenantId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= MAX_TENANT_ID_LENGTH &&
    TENANT_ID_PATTERN.test(value)
  );
}

/**
 * Check a tenant id and return it typed as a string.
 *
 * @param value - Untrusted input.
 * @returns `value`, when it is valid.
 * @throws TenantRegistryError with code `INVALID_TENANT_ID` otherwise; the
 * message says which rule failed.
 *
 * @example
 * ```ts
 * const tenantId = validateTenantId(request.headers['x-tenant-id']);
 * ```
 */
export function validateTenantId(value: unknown): string {
  if (isValidTenantId(value)) return value;
  throw invalidTenantIdError(value, explainInvalid(value));
}

function explainInvalid(value: unknown): string {
  if (typeof value !== 'string') return `expected a string`;
  if (value.length === 0) return 'it is empty';
  if (value.length > MAX_TENANT_ID_LENGTH) {
    return `it is longer than ${MAX_TENANT_ID_LENGTH} characters`;
  }
  if (!/^[A-Za-z0-9]/.test(value)) {
    return 'it must start with a letter or a digit';
  }
  return 'it contains a character outside the allowed set';
}
