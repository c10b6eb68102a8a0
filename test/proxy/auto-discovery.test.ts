import { describe, expect, it } from "vitest";
import {
  clusterConfigBody,
  formatConfigGetCluster,
  formatLegacyGetCluster,
  parseConfigCommand,
} from "../../src/proxy/auto-discovery.ts";

const config = {
  version: 12,
  nodes: [
    { hostname: "mycluster.0002.cache.local", ip: "127.0.0.1", port: 11212 },
    { hostname: "mycluster.0001.cache.local", ip: "127.0.0.1", port: 11211 },
  ],
};

describe("auto discovery replies", () => {
  it("formats config get cluster byte for byte, nodes sorted by hostname", () => {
    const body = "12\nmycluster.0001.cache.local|127.0.0.1|11211 mycluster.0002.cache.local|127.0.0.1|11212\n";
    expect(clusterConfigBody(config)).toBe(body);
    expect(formatConfigGetCluster(config).toString("latin1")).toBe(`CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`);
    expect(formatConfigGetCluster(config).toString("latin1")).toBe(
      "CONFIG cluster 0 89\r\n12\nmycluster.0001.cache.local|127.0.0.1|11211 mycluster.0002.cache.local|127.0.0.1|11212\n\r\nEND\r\n",
    );
  });

  it("formats the legacy get reply as an item with the same body", () => {
    expect(formatLegacyGetCluster({ version: 1, nodes: [{ hostname: "a", ip: "10.0.0.1", port: 11211 }] }).toString("latin1")).toBe(
      "VALUE AmazonElastiCache:cluster 0 19\r\n1\na|10.0.0.1|11211\n\r\nEND\r\n",
    );
  });

  it("leaves an unknown ip empty and handles no nodes", () => {
    expect(formatConfigGetCluster({ version: 3, nodes: [{ hostname: "h", ip: "", port: 1 }] }).toString("latin1")).toBe(
      "CONFIG cluster 0 7\r\n3\nh||1\n\r\nEND\r\n",
    );
    expect(formatConfigGetCluster({ version: 1, nodes: [] }).toString("latin1")).toBe("CONFIG cluster 0 3\r\n1\n\n\r\nEND\r\n");
  });

  it("counts bytes, not characters", () => {
    const reply = formatConfigGetCluster({ version: 1, nodes: [{ hostname: "é", ip: "", port: 1 }] });
    expect(reply.toString("utf8")).toBe("CONFIG cluster 0 8\r\n1\né||1\n\r\nEND\r\n");
  });

  it("recognises only the discovery commands", () => {
    expect(parseConfigCommand("config get cluster")).toBe("config-get-cluster");
    expect(parseConfigCommand("get AmazonElastiCache:cluster")).toBe("legacy-get-cluster");
    expect(parseConfigCommand("get foo")).toBeUndefined();
    expect(parseConfigCommand("get AmazonElastiCache:cluster other")).toBeUndefined();
    expect(parseConfigCommand("config set cluster")).toBeUndefined();
    expect(parseConfigCommand("CONFIG GET CLUSTER")).toBeUndefined();
  });
});
