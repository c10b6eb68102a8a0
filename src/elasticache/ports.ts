/**
 * Host ports for nodes and endpoints. Every port handed out is a PortAllocation row, written in
 * the same transaction as the resource that owns it, so two resources never get one port, across
 * restarts too; candidates are also checked free on the host, since other programs use ports.
 */
import type { Db } from "../store/database.ts";
import { errors } from "./errors.ts";

export interface PortPool {
  range: [number, number];
  isFree(port: number): Promise<boolean>;
}

type Tx = Pick<Db, "portAllocation">;

let cursor = 0;

/** Picks `count` ports that are neither allocated nor in use on the host. */
export async function pickPorts(db: Tx, pool: PortPool, count: number): Promise<number[]> {
  const taken = new Set((await db.portAllocation.findMany({ select: { port: true } })).map((row) => row.port));
  const [from, to] = pool.range;
  const size = to - from + 1;
  const picked: number[] = [];
  // Rotate the starting point so concurrent creates rarely race for the same candidates.
  for (let step = 0; step < size && picked.length < count; step++) {
    const port = from + ((cursor + step) % size);
    if (taken.has(port)) continue;
    if (await pool.isFree(port)) picked.push(port);
  }
  cursor = (cursor + Math.max(count, 1)) % size;
  if (picked.length < count) {
    throw errors.invalidParameterValue(`No free ports left in the range ${from}-${to} (ECL_PORT_RANGE).`);
  }
  return picked;
}

/** A port the user asked for: it must be free on the host and not handed out already. */
export async function checkRequestedPort(db: Tx, pool: PortPool, port: number): Promise<void> {
  const owner = await db.portAllocation.findUnique({ where: { port } });
  if (owner || !(await pool.isFree(port))) {
    throw errors.invalidParameterValue(`Port ${port} is already in use on this machine; choose another Port or leave it out.`);
  }
}

export async function claimPorts(tx: Tx, claims: { port: number; owner: string }[]): Promise<void> {
  for (const claim of claims) await tx.portAllocation.create({ data: claim });
}

export async function releasePorts(tx: Tx, owners: string[]): Promise<void> {
  await tx.portAllocation.deleteMany({ where: { owner: { in: owners } } });
}

export const nodePortOwner = (runtimeName: string) => `node:${runtimeName}`;
/** Endpoint ports of a replication group (primary, reader) or a Memcached cluster (configuration). */
export const endpointPortOwner = (resourceId: string, kind: "primary" | "reader" | "configuration") => `endpoint:${resourceId}:${kind}`;
