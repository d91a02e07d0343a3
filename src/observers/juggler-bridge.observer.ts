// Copyright loopback4-tenant-registry contributors. MIT License.

import {
  BindingScope,
  inject,
  lifeCycleObserver,
  type LifeCycleObserver,
} from '@loopback/core';
import {
  installJugglerBridge,
  type UninstallJugglerBridge,
} from '../bridge/juggler-bridge';
import {TenantRegistryBindings} from '../keys';
import type {ResolvedTenantRegistryOptions} from '../options/tenant-registry-options';
import type {ModelRegistry} from '../registry/model-registry';

/**
 * Installs the juggler bridge on start (unless `bridge: false`) and
 * restores juggler's own functions on stop. Group `tenant-registry` starts
 * after `datasource` observers and before the server listens.
 *
 * @internal
 */
@lifeCycleObserver('tenant-registry', {scope: BindingScope.SINGLETON})
export class JugglerBridgeObserver implements LifeCycleObserver {
  private uninstall: UninstallJugglerBridge | undefined;

  constructor(
    @inject(TenantRegistryBindings.REGISTRY)
    private readonly registry: ModelRegistry,
    @inject(TenantRegistryBindings.OPTIONS)
    private readonly options: ResolvedTenantRegistryOptions,
  ) {}

  start(): void {
    if (this.options.bridge && this.uninstall === undefined) {
      this.uninstall = installJugglerBridge(this.registry);
    }
  }

  stop(): void {
    this.uninstall?.();
    this.uninstall = undefined;
  }
}
