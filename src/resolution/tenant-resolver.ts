// Copyright loopback4-tenant-registry contributors. MIT License.

import {validateTenantId} from './tenant-id';
import type {TenantRequest, TenantResolutionStrategy} from './tenant-strategy';

/**
 * Ask the strategies in order; the first that yields an id wins, and that id
 * is validated.
 *
 * @param request - The HTTP request.
 * @param strategies - Strategies in the configured order.
 * @returns The tenant id, or `undefined` when no strategy names one.
 * @throws TenantRegistryError `INVALID_TENANT_ID` (from validation) or
 * whatever a strategy throws (`INVALID_TENANT_TOKEN`).
 */
export async function resolveTenantId(
  request: TenantRequest,
  strategies: readonly TenantResolutionStrategy[],
): Promise<string | undefined> {
  for (const strategy of strategies) {
    const answer = strategy.resolve(request);
    // Built-in strategies answer synchronously: skip the extra await there.
    const tenantId = typeof answer === 'string' ? answer : await answer;
    if (tenantId !== undefined) return validateTenantId(tenantId);
  }
  return undefined;
}
