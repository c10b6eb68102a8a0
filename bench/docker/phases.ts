/**
 * Where a container start goes: raw dockerode create / start / first PING for HostConfig variants,
 * one at a time and three in parallel, interleaved per round. Exploration aid for start-latency.ts.
 * Usage: npx tsx bench/docker/phases.ts [runs] [--socket /path/docker.sock]
 */
import Docker from "dockerode";
import { probeOnce } from "../../src/runtime/readiness.ts";
import { freePorts } from "../../test/runtime/helpers.ts";
import { fmt, median, table } from "../lib/measure.ts";

const argv = process.argv.slice(2);
const sock = argv.includes("--socket") ? argv[argv.indexOf("--socket") + 1] : undefined;
const runs = Number(argv.find((a) => /^\d+$/.test(a)) ?? 6);
const docker = new Docker(sock ? { socketPath: sock } : undefined);
const IMAGE = "elasticache-local/redis:7.0";
const NET = "ecl-bench-phases-net";
const only = process.env.VARIANTS?.split(",");

type Variant = { name: string; opts: (name: string, port: number) => Docker.ContainerCreateOptions; probe: "published" | "ip" };
const base = (name: string, port: number, host: Docker.HostConfig = {}, netcfg = true): Docker.ContainerCreateOptions => ({
  name,
  Image: IMAGE,
  Cmd: ["redis-server", "--port", "6379", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"],
  Labels: { "elasticache-local.managed": "true", "elasticache-local.prefix": "ecl-bench-phases-" },
  ExposedPorts: { "6379/tcp": {} },
  HostConfig: { PortBindings: { "6379/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }] }, RestartPolicy: { Name: "no" }, NetworkMode: NET, ...host },
  ...(netcfg ? { NetworkingConfig: { EndpointsConfig: { [NET]: { Aliases: [name] } } } } : {}),
});
const allVariants: Variant[] = [
  { name: "current (net+alias+port)", opts: (n, p) => base(n, p), probe: "published" },
  { name: "+ LogConfig none", opts: (n, p) => base(n, p, { LogConfig: { Type: "none", Config: {} } }), probe: "published" },
  { name: "no port publish", opts: (n, p) => ({ ...base(n, p, { PortBindings: {} }) }), probe: "ip" },
  { name: "default bridge + port", opts: (n, p) => base(n, p, { NetworkMode: "bridge" }, false), probe: "published" },
  { name: "NetworkMode none", opts: (n, p) => base(n, p, { NetworkMode: "none", PortBindings: {} }, false), probe: "ip" },
  { name: "net+port, logs none, no seccomp/apparmor", opts: (n, p) => base(n, p, { LogConfig: { Type: "none", Config: {} }, SecurityOpt: ["seccomp=unconfined"] }), probe: "published" },
];
const variants = allVariants.filter((v) => !only || only.some((o) => v.name.startsWith(o)));

async function one(v: Variant, name: string, port: number) {
  const t0 = performance.now();
  const c = await docker.createContainer(v.opts(name, port));
  const t1 = performance.now();
  await c.start();
  const t2 = performance.now();
  if (v.name !== "NetworkMode none") {
    let addr = { host: "127.0.0.1", port };
    if (v.probe === "ip") {
      const info = await c.inspect();
      const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
      addr = { host: ip ?? "127.0.0.1", port: 6379 };
    }
    const deadline = performance.now() + 10_000;
    while (!(await probeOnce(addr, "redis", 500))) {
      if (performance.now() > deadline) throw new Error(`${v.name}: not ready`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  const t3 = performance.now();
  return { create: t1 - t0, start: t2 - t1, ready: t3 - t2, total: t3 - t0 };
}

async function cleanup() {
  const cs = await docker.listContainers({ all: true, filters: { label: ["elasticache-local.prefix=ecl-bench-phases-"] } });
  await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

await cleanup();
if ((await docker.listNetworks({ filters: { name: [NET] } })).length === 0) await docker.createNetwork({ Name: NET, Driver: "bridge" });
const res: Record<string, { create: number[]; start: number[]; ready: number[]; total: number[]; par3: number[] }> = {};
let k = 0;
for (let r = 0; r < runs; r++) {
  for (const v of variants) {
    const m = (res[v.name] ??= { create: [], start: [], ready: [], total: [], par3: [] });
    const [p] = await freePorts(1);
    const x = await one(v, `ecl-bench-phases-${k++}`, p);
    m.create.push(x.create); m.start.push(x.start); m.ready.push(x.ready); m.total.push(x.total);
    await cleanup();
    const ps = await freePorts(3);
    const t0 = performance.now();
    await Promise.all(ps.map((pp) => one(v, `ecl-bench-phases-${k++}`, pp)));
    m.par3.push(performance.now() - t0);
    await cleanup();
  }
}
await docker.getNetwork(NET).remove().catch(() => undefined);
console.log(`runs=${runs} socket=${sock ?? "default"}`);
console.log(table(variants.map((v) => { const m = res[v.name]; return { variant: v.name, "create ms": fmt(median(m.create)), "start ms": fmt(median(m.start)), "ready ms": fmt(median(m.ready)), "1 total ms": fmt(median(m.total)), "3 parallel ms": fmt(median(m.par3)) }; })));
