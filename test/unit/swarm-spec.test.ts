/**
 * The pure parts of the Swarm runtime: zone placement constraints, the service spec of a node, and
 * the names of its objects (Swarm's limits: a service name is a DNS label, a secret name at most 64
 * characters).
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.ts";
import { RuntimeError } from "../../src/runtime/errors.ts";
import { SwarmNames } from "../../src/runtime/swarm/names.ts";
import { ZONE_LABEL, zoneConstraints } from "../../src/runtime/swarm/placement.ts";
import { serviceSpec, type ServiceBlueprint } from "../../src/runtime/swarm/service-spec.ts";

describe("zoneConstraints", () => {
  const labelled = new Set(["us-east-1a", "us-east-1b"]);

  it.each([
    ["no zone, zones labelled", undefined, labelled, []],
    ["a zone, no swarm node labelled (one-node swarm)", "us-east-1a", new Set<string>(), []],
    ["a labelled zone", "us-east-1b", labelled, [`node.labels.${ZONE_LABEL}==us-east-1b`]],
  ])("%s", (_what, zone, zones, expected) => {
    expect(zoneConstraints(zone, zones)).toEqual(expected);
  });

  it("a zone no swarm node stands for is NoPlacement, naming the zone and how to label a node", () => {
    const error = (() => {
      try {
        zoneConstraints("us-east-1c", labelled);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error).toMatchObject({ code: "NoPlacement" });
    expect((error as Error).message).toContain("us-east-1c");
    expect((error as Error).message).toContain(`docker node update --label-add ${ZONE_LABEL}=us-east-1c`);
  });

  it("another label key (ECL_SWARM_ZONE_LABEL) names the zone in the constraint and in the advice", () => {
    expect(zoneConstraints("us-east-1b", labelled, "topology.zone")).toEqual(["node.labels.topology.zone==us-east-1b"]);
    expect(() => zoneConstraints("us-east-1c", labelled, "topology.zone")).toThrow("docker node update --label-add topology.zone=us-east-1c");
  });

  it("a zone that could change the constraint's meaning is InvalidSpec", () => {
    for (const zone of ["us-east-1a!=x", "US-EAST-1A", "a b", ""]) {
      expect(() => zoneConstraints(zone, labelled), zone).toThrow(expect.objectContaining({ code: "InvalidSpec" }));
    }
  });
});

describe("serviceSpec", () => {
  const blueprint: ServiceBlueprint = {
    name: "ecl-abcd1234-node-1",
    image: "elasticache-local/redis:7.0",
    args: ["redis-server", "/run/ecl/redis.conf"],
    labels: { "elasticache-local.node": "node-1" },
    containerLabels: { "elasticache-local.node": "node-1" },
    ports: [
      { target: 6379, published: 21001 },
      { target: 16379, published: 21002 },
    ],
    network: { id: "net123", alias: "node-1" },
    volume: { name: "ecl-abcd1234-data-node-1", target: "/data", labels: { "elasticache-local.node": "node-1" } },
    secrets: [{ id: "sec1", name: "ecl-abcd1234-node-1-conf-0011223344", target: "/run/ecl/redis.conf" }],
    constraints: [`node.labels.${ZONE_LABEL}==us-east-1a`],
    stopGraceMs: 5000,
    forceUpdate: 3,
  };
  const spec = serviceSpec(blueprint);
  const task = spec.TaskTemplate as { ContainerSpec: Record<string, any>; RestartPolicy: unknown; Placement: unknown; Networks: unknown; ForceUpdate: number };

  it("one replica that Swarm never restarts by itself (recovery is the controllers' call)", () => {
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(task.RestartPolicy).toEqual({ Condition: "none" });
    expect(task.ForceUpdate).toBe(3);
    expect(spec.UpdateConfig).toMatchObject({ Order: "stop-first", FailureAction: "continue" });
  });

  it("reached by its alias without a virtual IP, ports published on the task's host", () => {
    expect(spec.EndpointSpec).toEqual({
      Mode: "dnsrr",
      Ports: [
        { Protocol: "tcp", TargetPort: 6379, PublishedPort: 21001, PublishMode: "host" },
        { Protocol: "tcp", TargetPort: 16379, PublishedPort: 21002, PublishMode: "host" },
      ],
    });
    expect(task.Networks).toEqual([{ Target: "net123", Aliases: ["node-1"] }]);
    expect(task.Placement).toEqual({ Constraints: blueprint.constraints });
  });

  it("the configuration is a secret file the command names; the spec holds only the secret's id and name", () => {
    expect(task.ContainerSpec.Args).toEqual(["redis-server", "/run/ecl/redis.conf"]);
    expect(task.ContainerSpec.Command).toBeUndefined(); // the image's entrypoint stays
    expect(task.ContainerSpec.Env).toBeUndefined();
    expect(task.ContainerSpec.Secrets).toEqual([
      { SecretID: "sec1", SecretName: blueprint.secrets[0].name, File: { Name: "/run/ecl/redis.conf", UID: "0", GID: "0", Mode: 0o444 } },
    ]);
    expect(task.ContainerSpec.Mounts).toMatchObject([{ Type: "volume", Source: blueprint.volume.name, Target: "/data", VolumeOptions: { Labels: blueprint.volume.labels } }]);
    expect(task.ContainerSpec.StopGracePeriod).toBe(5_000_000_000);
  });
});

describe("SwarmNames", () => {
  const names = new SwarmNames("ecl-long-instance-", "0f1e2d3c-aaaa-bbbb-cccc-000000000000");
  const longest = `n${"x".repeat(62)}`;

  it("service names are DNS labels, distinct for distinct nodes even when cut", () => {
    for (const node of ["a", longest, `${longest.slice(0, 62)}y`]) {
      expect(names.service(node)).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    }
    expect(names.service("orders-001-0001")).toBe("ecl-long-instance-0f1e2d3c-orders-001-0001");
    expect(names.service(longest)).not.toBe(names.service(`${longest.slice(0, 62)}y`));
  });

  it("secret names fit 64 characters and never repeat", () => {
    const a = names.secret(longest, "conf");
    const b = names.secret(longest, "conf");
    expect(a.length).toBeLessThanOrEqual(64);
    expect(a).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9]$/);
    expect(a).not.toBe(b);
  });

  it("overlay networks are named apart from the Docker runtime's bridge networks", () => {
    expect(names.network("default")).toBe("ecl-long-instance-0f1e2d3c-ov-default");
  });
});

describe("ECL_SWARM_ZONE_LABEL", () => {
  it("is the runtime's default when unset, taken when a label key, and a ConfigError when it could change a constraint's meaning", () => {
    expect(loadConfig({}).swarmZoneLabel).toBeUndefined();
    expect(loadConfig({ ECL_SWARM_ZONE_LABEL: "topology.zone" }).swarmZoneLabel).toBe("topology.zone");
    for (const bad of ["zone==x", "a b", ".zone", "zone!"]) {
      expect(() => loadConfig({ ECL_SWARM_ZONE_LABEL: bad }), bad).toThrow(ConfigError);
    }
  });
});
