// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidTenantIdError} from '../errors';

/** The longest tenant id accepted, in characters. */
export const MAX_TENANT_ID_LENGTH = 128;

/** Whether `value` is 1 to 128 characters of `[A-Za-z0-9._:-]`, starting alphanumeric. */
export function isValidTenantId(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length === 0 || length > MAX_TENANT_ID_LENGTH) return false;
  // /^[A-Za-z0-9][A-Za-z0-9._:-]*$/ as a loop: it runs on every request,
  // where a loop is cheaper (docs/performance.md).
  if (!isAlphanumeric(value.charCodeAt(0))) return false;
  for (let i = 1; i < length; i++) {
    const code = value.charCodeAt(i);
    if (isAlphanumeric(code)) continue;
    // `.`, `_`, `:`, `-`
    if (code !== 0x2e && code !== 0x5f && code !== 0x3a && code !== 0x2d) {
      return false;
    }
  }
  return true;
}

function isAlphanumeric(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) // 0-9
  );
}

/**
 * Check a tenant id and return it typed as a string.
 *
 * @throws TenantRegistryError `INVALID_TENANT_ID` naming the rule that
 * failed.
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
