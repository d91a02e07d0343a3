// Copyright loopback4-tenant-registry contributors. MIT License.

import {invalidTenantIdError} from '../errors';

export const MAX_TENANT_ID_LENGTH = 128;

/** 1 to 128 characters of `[A-Za-z0-9._:-]`, the first alphanumeric. */
export function isValidTenantId(value: unknown): value is string {
  return whyInvalid(value) === undefined;
}

/**
 * Check a tenant id and return it typed as a string.
 *
 * @throws TenantRegistryError `INVALID_TENANT_ID`, naming the rule broken.
 *
 * @example
 * ```ts
 * const tenantId = validateTenantId(request.headers['x-tenant-id']);
 * ```
 */
export function validateTenantId(value: unknown): string {
  const reason = whyInvalid(value);
  if (reason === undefined) return value as string;
  throw invalidTenantIdError(value, reason);
}

// A loop, not a regexp: it runs on every request (docs/performance.md).
function whyInvalid(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'expected a string';
  const length = value.length;
  if (length === 0) return 'it is empty';
  if (length > MAX_TENANT_ID_LENGTH) {
    return `it is longer than ${MAX_TENANT_ID_LENGTH} characters`;
  }
  if (!isAlphanumeric(value.charCodeAt(0))) {
    return 'it must start with a letter or a digit';
  }
  for (let i = 1; i < length; i++) {
    const code = value.charCodeAt(i);
    if (isAlphanumeric(code)) continue;
    // `.`, `_`, `:`, `-`
    if (code !== 0x2e && code !== 0x5f && code !== 0x3a && code !== 0x2d) {
      return 'it contains a character outside the allowed set';
    }
  }
  return undefined;
}

function isAlphanumeric(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) // 0-9
  );
}
