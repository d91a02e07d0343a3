// Copyright loopback4-tenant-registry contributors. MIT License.

import {validateTenantId} from '../context/tenant-id';
import type {
  TenantRequest,
  TenantResolutionStrategy,
  TenantStrategyAnswer,
} from './tenant-strategy';

/** Asks strategies in order, synchronously while they are. @internal */
export class TenantResolver {
  constructor(
    private readonly strategies: readonly TenantResolutionStrategy[],
    private readonly toLowerCase: boolean,
  ) {}

  /** The validated tenant id or `undefined`; a promise once one is async. */
  resolve(
    request: TenantRequest,
  ): string | undefined | Promise<string | undefined> {
    const strategies = this.strategies;
    for (let i = 0; i < strategies.length; i++) {
      const answer = strategies[i].resolve(request);
      if (answer === undefined) continue;
      if (answer === null) return undefined;
      if (
        typeof answer === 'string' ||
        typeof (answer as Partial<Promise<unknown>>).then !== 'function'
      ) {
        return this.accept(answer);
      }
      return this.continueAsync(
        request,
        answer as Promise<TenantStrategyAnswer>,
        i,
      );
    }
    return undefined;
  }

  private async continueAsync(
    request: TenantRequest,
    pending: Promise<TenantStrategyAnswer>,
    index: number,
  ): Promise<string | undefined> {
    let answer = await pending;
    for (let i = index; ;) {
      if (answer === null) return undefined;
      if (answer !== undefined) return this.accept(answer);
      if (++i >= this.strategies.length) return undefined;
      answer = await this.strategies[i].resolve(request);
    }
  }

  private accept(answer: unknown): string {
    const tenantId = validateTenantId(answer);
    return this.toLowerCase ? tenantId.toLowerCase() : tenantId;
  }
}
