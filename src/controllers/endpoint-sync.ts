/**
 * Keeps the endpoint proxies in step with the store: one primary and one reader endpoint per
 * node group, one configuration endpoint per Memcached cluster, on the ports recorded for them
 * (so they are the same after a restart). The primary endpoint follows the member the store calls
 * primary; the reader endpoint spreads over available replicas; the configuration endpoint
 * answers Auto Discovery with the cluster's nodes and version. A cluster-mode-enabled group has
 * one configuration endpoint instead, forwarding each connection to one of its live nodes.
 */
import type { Logger } from "pino";
import type { Address } from "../domain/model.ts";
import { isAvailable, nodeOf } from "../domain/topology.ts";
import { NO_SECURITY } from "../domain/security.ts";
import type { CacheNode } from "../domain/model.ts";
import { endpointTransitOf, upstreamOf } from "./transit-upstreams.ts";
import {
  ClusterConfigurationEndpoint,
  MemcachedConfigEndpoint,
  ReplicationGroupEndpoints,
  type ClusterConfig,
  type Targets,
  type Upstream,
} from "../proxy/index.ts";
import type { Store } from "../store/index.ts";

export interface EndpointSyncOptions {
  store: Store;
  /** Address the endpoints listen on. */
  bindHost: string;
  /** Host name clients are given for nodes in Auto Discovery replies. */
  advertisedHost: string;
  logger: Logger;
}

interface GroupEndpoints {
  endpoints: ReplicationGroupEndpoints;
  ports: string;
}

interface ConfigEndpoint {
  endpoint: MemcachedConfigEndpoint;
  port: number;
  config: ClusterConfig;
  upstreams: Address[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** An endpoint's open connections, and the bytes it moved (the configuration endpoint's are not counted). */
export interface EndpointUse {
  endpoint: string;
  kind: string;
  connections: number;
  bytesIn?: number;
  bytesOut?: number;
}

export class EndpointSync {
  private readonly groups = new Map<string, GroupEndpoints>();

  /** Client connections open on each endpoint now, and the bytes each has moved (for /metrics). */
  connectionCounts(): EndpointUse[] {
    const counts: EndpointUse[] = [];
    for (const [key, { endpoints }] of this.groups) {
      for (const [kind, endpoint] of [["primary", endpoints.primary], ["reader", endpoints.reader]] as const) {
        counts.push({ endpoint: key, kind, connections: endpoint.connectionCount(), bytesIn: endpoint.traffic.bytesIn, bytesOut: endpoint.traffic.bytesOut });
      }
    }
    for (const [clusterId, { endpoint }] of this.configs) counts.push({ endpoint: clusterId, kind: "configuration", connections: endpoint.connectionCount() });
    return counts;
  }
  private readonly configs = new Map<string, ConfigEndpoint>();
  private readonly clusterConfigs = new Map<string, { endpoint: ClusterConfigurationEndpoint; key: string }>();
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private closed = false;
  /** Endpoints that could not open, logged once until they do (a sync retries them every time). */
  private readonly unopened = new Set<string>();

  constructor(private readonly options: EndpointSyncOptions) {}

  /**
   * Brings every endpoint up to date and resolves once it has read the store as it is now. A call
   * during a run cannot trust that run (it may have read the store before the caller's change), so
   * it waits for one more run after it; concurrent calls share that one.
   */
  sync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = undefined;
        return this.sync();
      });
      return this.queued;
    }
    this.running = this.run()
      .catch((error) => this.options.logger.error({ err: error }, "endpoint sync failed"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    await Promise.all([...this.groups.values()].map((group) => group.endpoints.close()));
    await Promise.all([...this.configs.values()].map((config) => config.endpoint.close()));
    await Promise.all([...this.clusterConfigs.values()].map((config) => config.endpoint.close()));
    this.groups.clear();
    this.configs.clear();
    this.clusterConfigs.clear();
  }

  private async run(): Promise<void> {
    await this.syncGroups();
    await this.syncConfigEndpoints();
    await this.syncClusterConfigEndpoints();
  }

  /** Cluster mode enabled: one configuration endpoint per group, over its available nodes (primaries first). */
  private async syncClusterConfigEndpoints(): Promise<void> {
    const groups = (await this.options.store.replicationGroups.list()).filter(
      (group) => group.clusterEnabled && group.configEndpointPort !== undefined && group.status !== "deleting",
    );
    const wanted = new Set(groups.map((group) => group.id));
    for (const [id, entry] of this.clusterConfigs) {
      if (!wanted.has(id)) {
        this.clusterConfigs.delete(id);
        await entry.endpoint.close();
      }
    }
    for (const group of groups) {
      const members = group.nodeGroups.flatMap((nodeGroup) => nodeGroup.members);
      const security = group.security ?? NO_SECURITY;
      const transit = endpointTransitOf(security, members.map(nodeOf));
      const live = (role: string) =>
        members
          .filter((member) => member.role === role)
          .map(nodeOf)
          .filter((node) => node?.admin && isAvailable(node))
          .map((node) => upstreamOf(transit, security, node as CacheNode & { admin: Address }))
          .filter((upstream): upstream is Upstream => upstream !== undefined);
      const primaries = live("primary");
      const nodes = primaries.length > 0 ? primaries : live("replica");
      // A new transit mode needs a new endpoint, as a new port does.
      const key = `${group.configEndpointPort}/${transit}`;
      let current = this.clusterConfigs.get(group.id);
      if (current && current.key !== key) {
        this.clusterConfigs.delete(group.id);
        await current.endpoint.close();
        current = undefined;
      }
      if (current) {
        current.endpoint.setNodes(nodes);
        continue;
      }
      const endpoint = new ClusterConfigurationEndpoint({ host: this.options.bindHost, port: group.configEndpointPort!, targets: { replicas: nodes }, transit });
      try {
        await endpoint.listen();
        this.opened(`cluster ${group.id}`);
        this.clusterConfigs.set(group.id, { endpoint, key });
      } catch (error) {
        this.notOpened(`cluster ${group.id}`, error, { replicationGroup: group.id }, "could not open the configuration endpoint");
        await endpoint.close().catch(() => undefined);
      }
    }
  }

  /** Endpoints of every node group that has ports, keyed "<group>/<node group>". */
  private async syncGroups(): Promise<void> {
    const groups = (await this.options.store.replicationGroups.list()).filter((group) => group.status !== "deleting");
    const nodeGroups = groups.flatMap((group) => group.nodeGroups).filter((nodeGroup) => nodeGroup.primaryEndpointPort !== undefined);
    const keyOf = (nodeGroup: { replicationGroupId: string; id: string }) => `${nodeGroup.replicationGroupId}/${nodeGroup.id}`;
    const wanted = new Set(nodeGroups.map(keyOf));
    for (const [key, entry] of this.groups) {
      if (!wanted.has(key)) {
        this.groups.delete(key);
        await entry.endpoints.close();
      }
    }
    for (const nodeGroup of nodeGroups) {
      const key = keyOf(nodeGroup);
      const security = groups.find((group) => group.id === nodeGroup.replicationGroupId)?.security ?? NO_SECURITY;
      const transit = endpointTransitOf(security, nodeGroup.members.map(nodeOf));
      const targets: Targets = { replicas: [] };
      for (const member of nodeGroup.members) {
        const node = nodeOf(member);
        if (!node?.admin || node.desired !== "present") continue;
        const upstream = upstreamOf(transit, security, node as CacheNode & { admin: Address });
        if (!upstream) continue;
        if (member.role === "primary") targets.primary = upstream;
        else if (member.role === "replica" && isAvailable(node)) targets.replicas.push(upstream);
      }
      // A new transit mode needs new endpoints, as new ports do.
      const ports = `${nodeGroup.primaryEndpointPort}/${nodeGroup.readerEndpointPort}/${transit}`;
      let current = this.groups.get(key);
      if (current && current.ports !== ports) {
        this.groups.delete(key);
        await current.endpoints.close();
        current = undefined;
      }
      if (!current) {
        const endpoints = new ReplicationGroupEndpoints({
          host: this.options.bindHost,
          primaryPort: nodeGroup.primaryEndpointPort!,
          readerPort: nodeGroup.readerEndpointPort!,
          targets,
          transit,
          onEvent: (event) => this.options.logger.debug({ nodeGroup: key, event: event.type }, "endpoint event"),
        });
        try {
          await endpoints.listen();
          this.opened(`group ${key}`);
        } catch (error) {
          this.notOpened(`group ${key}`, error, { nodeGroup: key }, "could not open the node group's endpoints");
          await endpoints.close().catch(() => undefined);
          continue;
        }
        this.groups.set(key, { endpoints, ports });
      } else {
        current.endpoints.setTargets(targets);
      }
    }
  }

  private async syncConfigEndpoints(): Promise<void> {
    const clusters = (await this.options.store.cacheClusters.list({ standaloneOnly: true })).filter(
      (cluster) => cluster.engine === "memcached" && cluster.configEndpointPort !== undefined && cluster.status !== "deleting",
    );
    const wanted = new Set(clusters.map((cluster) => cluster.id));
    for (const [id, config] of this.configs) {
      if (!wanted.has(id)) {
        this.configs.delete(id);
        await config.endpoint.close();
      }
    }
    const advertised = this.options.advertisedHost;
    for (const cluster of clusters) {
      // A node is listed from when it is available until it is removed, so the list and its
      // version change together (the reconciler bumps the version when it adds or removes one).
      const nodes = cluster.nodes.filter((node) => node.status !== "creating");
      const config: ClusterConfig = {
        version: cluster.configVersion,
        nodes: nodes.map((node) => ({ hostname: advertised, ip: IPV4.test(advertised) ? advertised : "", port: node.hostPort })),
      };
      const upstreams = nodes.filter((node) => node.admin && isAvailable(node)).map((node) => node.admin!);
      const current = this.configs.get(cluster.id);
      if (current && current.port === cluster.configEndpointPort) {
        current.config = config;
        current.upstreams = upstreams;
        continue;
      }
      if (current) {
        this.configs.delete(cluster.id);
        await current.endpoint.close();
      }
      const entry: ConfigEndpoint = { endpoint: undefined as never, port: cluster.configEndpointPort!, config, upstreams };
      entry.endpoint = new MemcachedConfigEndpoint({
        host: this.options.bindHost,
        port: entry.port,
        getConfig: () => entry.config,
        // Like ElastiCache's configuration endpoint (a DNS name of one node), other commands all
        // go to one node, the first available, so a set and a later get meet.
        pickUpstream: () => entry.upstreams[0],
      });
      try {
        await entry.endpoint.listen();
        this.opened(`memcached ${cluster.id}`);
        this.configs.set(cluster.id, entry);
      } catch (error) {
        this.notOpened(`memcached ${cluster.id}`, error, { cluster: cluster.id }, "could not open the configuration endpoint");
        await entry.endpoint.close().catch(() => undefined);
      }
    }
  }

  private opened(key: string): void {
    this.unopened.delete(key);
  }

  /**
   * Logged once per endpoint until it opens: a port another program (or another instance on the
   * same ECL_ENDPOINT_HOST) holds stays taken for a while, and every sync tries it again.
   */
  private notOpened(key: string, error: unknown, fields: Record<string, string>, message: string): void {
    if (this.unopened.has(key)) return;
    this.unopened.add(key);
    this.options.logger.error({ err: error, ...fields }, message);
  }
}
