/** Endpoint proxies: stable TCP endpoints in front of a changing set of cache nodes. */
export { type Address, sameAddress, formatAddress } from "./address.ts";
export { TcpEndpoint, type TcpEndpointOptions, type EndpointEvent, type Transport, type TransitMode } from "./tcp-endpoint.ts";
export { fastForwardingAvailable, type ForwardingMode, type ForwardingEngine } from "./forwarding.ts";
export {
  PrimaryEndpoint,
  ReaderEndpoint,
  ReplicationGroupEndpoints,
  ClusterConfigurationEndpoint,
  createPrimaryEndpoint,
  createReaderEndpoint,
  type Targets,
  type Upstream,
  type NodeUpstreams,
  type EndpointOptions,
} from "./endpoints.ts";
export {
  type ClusterConfig,
  type ClusterNode,
  clusterConfigBody,
  formatConfigGetCluster,
  formatLegacyGetCluster,
  parseConfigCommand,
  LEGACY_CONFIG_KEY,
} from "./auto-discovery.ts";
export { MemcachedConfigEndpoint, type MemcachedConfigEndpointOptions, type ConfigEndpointEvent } from "./memcached-config-endpoint.ts";
