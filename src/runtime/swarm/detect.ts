/**
 * What the runtime chooser asks of Docker before it makes a Swarm runtime: is this engine a
 * manager of an active swarm (only a manager can create services).
 */
import Docker from "dockerode";

export type SwarmRole = "manager" | "worker" | "none";

/** This engine's part in a swarm; "none" when it is in none (or the API does not answer). */
export async function swarmRole(socketPath: string): Promise<SwarmRole> {
  try {
    const info = (await new Docker({ socketPath }).info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    if (info.Swarm?.LocalNodeState !== "active") return "none";
    return info.Swarm.ControlAvailable ? "manager" : "worker";
  } catch {
    return "none";
  }
}
