/**
 * scripts/fleet/docker-compose.yml (README: "Several control planes (PostgreSQL, Swarm)") says
 * what the README says: one PostgreSQL, three control planes on its one database with the Swarm
 * runtime, one instance name, one data volume and one node address, each with its own API port
 * and endpoint address, and every one of them allowed to lead. Parsed as YAML with merge keys, as Compose reads it.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "../..");
const compose = parse(readFileSync(path.join(root, "scripts/fleet/docker-compose.yml"), "utf8"), { merge: true });
const planes = ["ecl-1", "ecl-2", "ecl-3"].map((name) => ({ name, ...compose.services[name] }));

it("names PostgreSQL and three control planes", () => {
  expect(Object.keys(compose.services).sort()).toEqual(["ecl-1", "ecl-2", "ecl-3", "postgresql"]);
  expect(compose.services.postgresql.environment.POSTGRES_INITDB_ARGS).toContain("--locale=C");
});

it("the control planes share the database, the runtime, the instance name, the data and the node address; API ports and endpoint addresses differ", () => {
  for (const plane of planes) {
    expect(plane.environment).toMatchObject({ DATABASE_URL: "postgresql://ecl:ecl@127.0.0.1:5432/ecl", ECL_RUNTIME: "swarm", ECL_INSTANCE: "fleet", ECL_NODE_HOST: "127.0.0.1" });
    expect(plane.volumes).toEqual(["/var/run/docker.sock:/var/run/docker.sock", "fleet-data:/data"]);
    expect(plane.depends_on.postgresql.condition).toBe("service_healthy");
  }
  const distinct = (values: unknown[]) => new Set(values).size;
  expect(distinct(planes.map((plane) => plane.environment.ECL_PORT))).toBe(3);
  expect(distinct(planes.map((plane) => plane.environment.ECL_ENDPOINT_HOST))).toBe(3);
});

it("every instance may lead (the leader lease picks one), so every one serves the endpoints", () => {
  expect(planes.filter((plane) => plane.environment.ECL_CONTROLLERS !== undefined)).toEqual([]);
});

it("the README section names the compose file and the variables it sets", () => {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Several control planes (PostgreSQL, Swarm)"));
  expect(section.length).toBeLessThan(readme.length);
  expect(section).toContain("scripts/fleet/docker-compose.yml");
  for (const variable of ["DATABASE_URL", "ECL_RUNTIME=swarm", "ECL_INSTANCE", "ECL_ENDPOINT_HOST", "ECL_NODE_HOST", "ECL_ADVERTISED_HOST", "ECL_PORT"]) {
    expect(section).toContain(variable);
  }
});
