// Copyright loopback4-tenant-registry contributors. MIT License.

export {
  installJugglerBridge,
  type JugglerBridgeOptions,
} from './juggler-bridge';
