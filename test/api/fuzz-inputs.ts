/**
 * Inputs for the fuzz test, generated from the service model with fast-check: for any shape, a
 * value that is sometimes valid-looking (names that exist, a real ARN), sometimes of the wrong
 * type, empty, odd (controls, lone surrogates, any code point, very long), with required members
 * sometimes missing and unknown members sometimes added; and the two wire encodings of such a
 * value: Query form parameters named as the model names them, and the REST request of a route.
 */
import fc from "fast-check";
import type { Shape, StructureShape } from "../../src/aws/model.ts";
import { pathParamsOf, type RestRoute } from "../../src/http/routes.ts";

type Value = unknown;

/** Names and values that reach past "not found" and "malformed" into the operations' own rules. */
const LIKELY = ["kept", "default", "rg-1", "rg-1-001", "0001", "redis", "memcached", "7.0", "cache.t3.micro", "subnet-12345678",
  "arn:aws:elasticache:us-east-1:000000000000:subnetgroup:kept", "sun:05:00-sun:06:00", "05:00-06:00", "true", "1", ""];

const wrongType = fc.constantFrom<Value>(null, 0, -1, true, "x", [], {}, [1, 2], { Nested: "x" });

/** One UTF-16 code unit of any value: lone surrogates, C0 and C1 controls, U+FFFE/U+FFFF. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Characters that have broken stores and serializers: unpaired surrogates, controls, non-characters, line breaks. */
const ODD = ["\ud800", "\udfff", "\udc00\ud800", "\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\ufffe", "\uffff", "\r", "\n", "\t", "\u2028", "😀", "&<>'\""];

/** A likely value with odd characters spliced in somewhere. */
const spliced = fc
  .tuple(fc.constantFrom(...LIKELY), fc.array(fc.constantFrom(...ODD), { minLength: 1, maxLength: 2 }), fc.nat())
  .map(([base, odd, at]) => base.slice(0, at % (base.length + 1)) + odd.join("") + base.slice(at % (base.length + 1)));

const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LIKELY) },
  { weight: 3, arbitrary: spliced },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: anyCodeUnit, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom("a".repeat(300), "A".repeat(41), "-rf", "a--b", "%zz", "../..", "'; DROP TABLE x; --") },
);

const scalar: Record<string, fc.Arbitrary<Value>> = {
  string: text,
  blob: text,
  integer: fc.oneof(fc.integer({ min: -3, max: 120 }), fc.constantFrom(2 ** 31, -(2 ** 53), 1.5)),
  long: fc.oneof(fc.integer({ min: -3, max: 120 }), fc.constant(2 ** 53 + 2)),
  double: fc.double({ noNaN: true }),
  float: fc.double({ noNaN: true }),
  boolean: fc.boolean(),
  timestamp: fc.oneof(
    fc.date({ min: new Date("1969-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((date) => date.toISOString()),
    fc.constantFrom("yesterday", "2026-13-45", "0", "1e99"),
  ),
};

const cache = new Map<Shape, fc.Arbitrary<Value>>();

/** A value for `shape`; mostly of the modeled type, sometimes not (depth-limited for recursive shapes). */
export function valueOf(shape: Shape, depth = 0): fc.Arbitrary<Value> {
  const cached = depth === 0 ? cache.get(shape) : undefined;
  if (cached) return cached;
  const typed = typedValueOf(shape, depth);
  const arbitrary = fc.oneof({ weight: 9, arbitrary: typed }, { weight: 1, arbitrary: wrongType });
  if (depth === 0) cache.set(shape, arbitrary);
  return arbitrary;
}

function typedValueOf(shape: Shape, depth: number): fc.Arbitrary<Value> {
  switch (shape.type) {
    case "structure":
      return depth > 3 ? fc.constant({}) : structureOf(shape, depth);
    case "list":
      return fc.array(valueOf(shape.member, depth + 1), { maxLength: depth > 2 ? 1 : 3 });
    case "map":
      return fc.dictionary(text.filter((key): key is string => typeof key === "string"), valueOf(shape.value, depth + 1), { maxKeys: 2 });
    default:
      return scalar[shape.type] ?? text;
  }
}

/** Required members present 4 times in 5; an unknown member now and then. */
export function structureOf(shape: StructureShape, depth = 0): fc.Arbitrary<Record<string, Value>> {
  const members = Object.fromEntries(Object.entries(shape.members).map(([name, member]) => [name, valueOf(member, depth + 1)]));
  const required = shape.required.filter((name) => name in members);
  const record = fc.oneof(
    { weight: 4, arbitrary: fc.record(members, { requiredKeys: required }) },
    { weight: 1, arbitrary: fc.record(members, { requiredKeys: [] }) },
  );
  return fc.tuple(record, fc.option(text, { freq: 8 })).map(([value, extra]) =>
    extra === null ? (value as Record<string, Value>) : { ...(value as Record<string, Value>), Unmodeled: extra },
  );
}

const KEPT_ARN = "arn:aws:elasticache:us-east-1:000000000000:subnetgroup:kept";

/**
 * Valid inputs of the implemented operations (the README's examples), which `mutationOf` changes
 * one member at a time, so odd values reach the rules that only run once everything else is right.
 * `n` makes the names of new resources fresh, so a create is not refused as a duplicate first.
 */
export const VALID_INPUTS: Record<string, (n: number) => Record<string, Value>> = {
  CreateCacheSubnetGroup: (n) => ({ CacheSubnetGroupName: `fz-${n}`, CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678", "subnet-87654321"], Tags: [{ Key: "team", Value: "cache" }] }),
  DescribeCacheSubnetGroups: (n) => ({ CacheSubnetGroupName: "kept", MaxRecords: 20 }),
  ModifyCacheSubnetGroup: (n) => ({ CacheSubnetGroupName: "kept", CacheSubnetGroupDescription: "d2", SubnetIds: ["subnet-12345678"] }),
  DeleteCacheSubnetGroup: (n) => ({ CacheSubnetGroupName: `fz-${n}` }),
  AddTagsToResource: (n) => ({ ResourceName: KEPT_ARN, Tags: [{ Key: "env", Value: "dev" }] }),
  ListTagsForResource: (n) => ({ ResourceName: KEPT_ARN }),
  RemoveTagsFromResource: (n) => ({ ResourceName: KEPT_ARN, TagKeys: ["env"] }),
  CreateReplicationGroup: (n) => ({
    ReplicationGroupId: `fz-rg-${n}`, ReplicationGroupDescription: "d", NumCacheClusters: 3, AutomaticFailoverEnabled: true, CacheNodeType: "cache.t3.micro",
    Engine: "redis", EngineVersion: "7.0", CacheSubnetGroupName: "kept", Port: 6379, Tags: [{ Key: "team", Value: "cache" }], PreferredCacheClusterAZs: ["us-east-1a"],
  }),
  DescribeReplicationGroups: (n) => ({ MaxRecords: 20 }),
  ModifyReplicationGroup: (n) => ({ ReplicationGroupId: `fz-rg-${n}`, ReplicationGroupDescription: "x", AutomaticFailoverEnabled: false, ApplyImmediately: true }),
  DeleteReplicationGroup: (n) => ({ ReplicationGroupId: `fz-rg-${n}`, RetainPrimaryCluster: false }),
  IncreaseReplicaCount: (n) => ({ ReplicationGroupId: `fz-rg-${n}`, NewReplicaCount: 3, ApplyImmediately: true }),
  DecreaseReplicaCount: (n) => ({ ReplicationGroupId: `fz-rg-${n}`, NewReplicaCount: 1, ApplyImmediately: true }),
  TestFailover: (n) => ({ ReplicationGroupId: `fz-rg-${n}`, NodeGroupId: "0001" }),
  CreateCacheCluster: (n) => ({ CacheClusterId: `fz-c-${n}`, Engine: "memcached", NumCacheNodes: 2, CacheNodeType: "cache.t3.micro", CacheSubnetGroupName: "kept", Tags: [{ Key: "k", Value: "v" }] }),
  DescribeCacheClusters: (n) => ({ ShowCacheNodeInfo: true, MaxRecords: 20 }),
  ModifyCacheCluster: (n) => ({ CacheClusterId: `fz-c-${n}`, NumCacheNodes: 3, ApplyImmediately: true }),
  DeleteCacheCluster: (n) => ({ CacheClusterId: `fz-c-${n}` }),
  RebootCacheCluster: (n) => ({ CacheClusterId: `fz-c-${n}`, CacheNodeIdsToReboot: ["0001"] }),
  DescribeEvents: (n) => ({ SourceType: "cache-subnet-group", SourceIdentifier: "kept", Duration: 60 }),
  DescribeCacheEngineVersions: (n) => ({ Engine: "redis", DefaultOnly: true }),
};

/** `base` with one member (at any depth of the model) replaced by a value for its shape, or removed. */
export function mutationOf(shape: StructureShape, base: Record<string, Value>): fc.Arbitrary<Record<string, Value>> {
  return fc.constantFrom(...Object.keys(shape.members)).chain((name) => {
    const member = shape.members[name]!;
    const current = base[name];
    const { [name]: _removed, ...without } = base;
    const replacement = member.type === "string" ? fc.oneof(spliced, valueOf(member)) : valueOf(member);
    const options: fc.Arbitrary<Record<string, Value>>[] = [
      replacement.map((value) => ({ ...base, [name]: value })),
      replacement.map((value) => ({ ...base, [name]: value })),
      fc.constant(without),
    ];
    if (member.type === "structure" && isRecord(current)) {
      options.push(mutationOf(member, current).map((value) => ({ ...base, [name]: value })));
    }
    if (member.type === "list" && member.member.type === "structure" && Array.isArray(current) && isRecord(current[0])) {
      options.push(mutationOf(member.member, current[0]).map((first) => ({ ...base, [name]: [first, ...current.slice(1)] })));
    }
    return fc.oneof(...options);
  });
}

/**
 * Query protocol parameters for `value` as the SDKs name them (`SubnetIds.SubnetIdentifier.1`,
 * `Tags.Tag.1.Key`); wrong-typed values are written as they come, which is what a confused client sends.
 */
export function queryParams(shape: Shape | undefined, value: Value, name: string, out: Array<[string, string]>): void {
  if (value === undefined) return;
  if (shape?.type === "structure" && isRecord(value)) {
    for (const [member, memberValue] of Object.entries(value)) {
      const memberShape = shape.members[member];
      const wire = memberShape?.locationName ?? member;
      queryParams(memberShape, memberValue, name ? `${name}.${wire}` : wire, out);
    }
  } else if (shape?.type === "list" && Array.isArray(value)) {
    if (value.length === 0) out.push([name, ""]);
    value.forEach((item, i) => queryParams(shape.member, item, `${name}.${shape.member.locationName ?? "member"}.${i + 1}`, out));
  } else {
    out.push([name, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)]);
  }
}

const isRecord = (value: Value): value is Record<string, Value> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate goes out as U+FFFD, as any client would send it). */
export function formEncode(pairs: Array<[string, string]>): string {
  const encode = (text: string) => [...Buffer.from(text, "utf8")].map((byte) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
  return pairs.map(([name, value]) => `${encode(name)}=${encode(value)}`).join("&");
}

export interface HttpCase {
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

/** The REST request of `route` for `input`: path parameters in the path, GET inputs in the query string, others as the JSON body. */
export function restRequest(route: RestRoute, shape: StructureShape | undefined, input: Record<string, Value>): HttpCase {
  const rest = { ...input };
  let path = route.path;
  for (const param of pathParamsOf(route.path)) {
    const value = rest[param];
    delete rest[param];
    const segment = typeof value === "string" && value !== "" ? value : "kept";
    path = path.replace(`:${param}`, formEncode([["", segment]]).slice(1));
  }
  if (route.method === "GET") {
    const pairs: Array<[string, string]> = [];
    queryParams(shape, rest, "", pairs);
    return { method: "GET", path: pairs.length > 0 ? `${path}?${formEncode(pairs)}` : path };
  }
  return { method: route.method, path, contentType: "application/json", body: JSON.stringify(rest) };
}
