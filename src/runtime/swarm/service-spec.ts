/**
 * Pure: the Swarm service spec of a node. One replica that Swarm never restarts by itself
 * (restart condition "none"): a Redis primary restarted behind the control plane's back would come
 * back empty and its replicas would copy the empty dataset; recovery is the controllers' decision,
 * as with the Docker runtime's restart policy "no".
 *
 * - Endpoint mode "dnsrr": the node's alias resolves to its task's address, as a container alias
 *   does; no virtual IP, whose load balancer adds nothing for one replica (and fails on some hosts).
 * - Ports published in "host" mode: the task's own host binds them, predictable on one host and
 *   needing no routing mesh. Swarm binds them on all of that host's addresses (it has no host IP
 *   option), unlike the Docker runtime's ECL_NODE_HOST.
 * - The update order is "stop-first" (the host ports must be free for the new task), and a failed
 *   update neither pauses nor rolls back: the runtime judges a start by the task and the engine.
 */
import type Docker from "dockerode";
import type { SecretRef } from "./secrets.ts";

export interface ServiceBlueprint {
  name: string;
  image: string;
  /** The image's command and its arguments (the image's entrypoint, if any, stays). */
  args: string[];
  /** Labels of the service (the node's record, node-record.ts). */
  labels: Record<string, string>;
  /** Labels of the tasks' containers (owner and node, so they are found by label like containers of the Docker runtime). */
  containerLabels: Record<string, string>;
  ports: { target: number; published: number }[];
  network: { id: string; alias: string };
  volume: { name: string; target: string; labels: Record<string, string> };
  secrets: SecretRef[];
  constraints: string[];
  stopGraceMs: number;
  /** Raised to make Swarm replace the task even when nothing else changed. */
  forceUpdate: number;
}

/** Secrets are readable by the engine whatever user the image drops to (0444): only the engine runs in the container. */
const SECRET_MODE = 0o444;

export function serviceSpec(bp: ServiceBlueprint): Docker.ServiceSpec {
  return {
    Name: bp.name,
    Labels: bp.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: bp.image,
        Args: bp.args,
        Labels: bp.containerLabels,
        Mounts: [{ Type: "volume", Source: bp.volume.name, Target: bp.volume.target, VolumeOptions: { NoCopy: false, Labels: bp.volume.labels, DriverConfig: { Name: "local", Options: {} } } }],
        Secrets: bp.secrets.map((secret) => ({ SecretID: secret.id, SecretName: secret.name, File: { Name: secret.target, UID: "0", GID: "0", Mode: SECRET_MODE } })),
        StopGracePeriod: bp.stopGraceMs * 1_000_000,
      },
      RestartPolicy: { Condition: "none" },
      Placement: { Constraints: bp.constraints },
      Networks: [{ Target: bp.network.id, Aliases: [bp.network.alias] }],
      ForceUpdate: bp.forceUpdate,
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: "stop-first", FailureAction: "continue" },
    EndpointSpec: {
      Mode: "dnsrr",
      Ports: bp.ports.map((port) => ({ Protocol: "tcp", TargetPort: port.target, PublishedPort: port.published, PublishMode: "host" })),
    },
  };
}
