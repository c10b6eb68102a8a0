/**
 * Host ports for nodes and endpoints. Every port handed out is a PortAllocation row, claimed in
 * the same transaction as the resource that owns it (the primary key makes two claims of one port
 * impossible, across restarts and concurrent writers too); candidates are also checked free on
 * the host, since other programs use ports. Owners are named here and nowhere else.
 */
import type { Db, Tx } from "./database.ts";
import { uniqueViolation, PortTakenError } from "./errors.ts";

export interface PortPool {
  range: [number, number];
  isFree(port: number): Promise<boolean>;
}

export type EndpointKind = "primary" | "reader";

export const owners = {
  node: (runtimeName: string) => `node:${runtimeName}`,
  nodeGroupEndpoint: (replicationGroupId: string, nodeGroupId: string, kind: EndpointKind) => `nodegroup:${replicationGroupId}/${nodeGroupId}:${kind}`,
  nodeGroupEndpointsOf: (replicationGroupId: string) => `nodegroup:${replicationGroupId}/`,
  configurationEndpoint: (clusterId: string) => `cluster:${clusterId}:configuration`,
  groupConfigurationEndpoint: (replicationGroupId: string) => `replicationgroup:${replicationGroupId}:configuration`,
};

export interface PortClaim {
  port: number;
  owner: string;
}

export async function claimPorts(tx: Tx, claims: PortClaim[]): Promise<void> {
  for (const claim of claims) {
    try {
      await tx.portAllocation.create({ data: claim });
    } catch (error) {
      throw uniqueViolation(error) ? new PortTakenError(claim.port) : error;
    }
  }
}

export async function releasePorts(tx: Tx, ownerNames: string[]): Promise<void> {
  await tx.portAllocation.deleteMany({ where: { owner: { in: ownerNames } } });
}

export async function releasePortsStartingWith(tx: Tx, prefix: string): Promise<void> {
  await tx.portAllocation.deleteMany({ where: { owner: { startsWith: prefix } } });
}

export class PortRepository {
  private cursor = 0;

  constructor(
    private readonly db: Db,
    private readonly pool: PortPool,
  ) {}

  /** Picks `count` ports that are neither allocated nor in use on the host; undefined when the range has too few. */
  async pick(count: number): Promise<number[] | undefined> {
    const [from, to] = this.pool.range;
    const size = to - from + 1;
    // Rotate the starting point so concurrent creates rarely race for the same candidates: moved
    // on before the first await, so picks running at once in this process start apart.
    const start = this.cursor;
    this.cursor = (this.cursor + Math.max(count, 1)) % size;
    const taken = new Set((await this.db.portAllocation.findMany({ select: { port: true } })).map((row) => row.port));
    const picked: number[] = [];
    for (let step = 0; step < size && picked.length < count; step++) {
      const port = from + ((start + step) % size);
      if (taken.has(port)) continue;
      if (await this.pool.isFree(port)) picked.push(port);
    }
    return picked.length < count ? undefined : picked;
  }

  /** A port a user asked for: free on the host and not handed out already. */
  async isAvailable(port: number): Promise<boolean> {
    const owner = await this.db.portAllocation.findUnique({ where: { port } });
    return !owner && (await this.pool.isFree(port));
  }

  get range(): [number, number] {
    return this.pool.range;
  }
}
