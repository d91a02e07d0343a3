// Copyright loopback4-tenant-registry contributors. MIT License.

export {RegistryManager} from './registry-manager.observer';
