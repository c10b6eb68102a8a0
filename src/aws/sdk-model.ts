/**
 * The ElastiCache service model as `@aws-sdk/client-elasticache` ships it: compact Smithy schemas
 * (operations, structures, lists, errors) that the SDK itself serializes and parses with. Walked
 * once with `@smithy/core/schema`'s NormalizedSchema and turned into the documentation-free
 * `RawModel` form model.ts resolves, so the Query parser, the XML serializer and the REST schemas
 * read exactly the model the JavaScript SDK was built from, and moving to a newer model is a
 * package bump (scripts/refresh-model.sh).
 *
 * What the compact schemas do not carry, and how it is filled in:
 *   - apiVersion / xmlNamespace: constants of the service (checked against an SDK client's own
 *     protocol settings in test/aws/sdk-model.test.ts);
 *   - integer vs double: the schemas have one "numeric" kind. Every numeric member of ElastiCache
 *     is an integer except the prices below (read from the full model when this module was
 *     written); inputs are validated as integers, these outputs are written as numbers.
 */
import { createRequire } from "node:module";
import * as sdk from "@aws-sdk/client-elasticache";
import { NormalizedSchema } from "@smithy/core/schema";
import type { RawModel, RawShape } from "./raw-model.ts";

export const API_VERSION = "2015-02-02";
export const XML_NAMESPACE = `http://elasticache.amazonaws.com/doc/${API_VERSION}/`;

/** `Structure.Member` of the model's double-typed members; every other numeric member is an integer. */
const DOUBLE_MEMBERS = new Set([
  "ReservedCacheNode.FixedPrice",
  "ReservedCacheNode.UsagePrice",
  "ReservedCacheNodesOffering.FixedPrice",
  "ReservedCacheNodesOffering.UsagePrice",
  "RecurringCharge.RecurringChargeAmount",
  "SlotMigration.ProgressPercentage",
]);

/** Operation schemas are `[9, namespace, name, traits, input, output]`; errors `[-3, ...]`. */
const OPERATION = 9;
const ERROR = -3;

type StaticSchema = readonly unknown[];

function exportedSchemas(kind: number): StaticSchema[] {
  return Object.entries(sdk)
    .filter(([name, value]) => name.endsWith("$") && Array.isArray(value) && value[0] === kind)
    .map(([, value]) => value as StaticSchema);
}

/** The version of @aws-sdk/client-elasticache the model is read from. */
export function sdkModelVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("@aws-sdk/client-elasticache/package.json") as { version: string }).version;
}

/** Wire code -> HTTP status of every modeled error (`awsQueryError` trait). */
export function sdkErrorStatuses(): Map<string, number> {
  const statuses = new Map<string, number>();
  for (const schema of exportedSchemas(ERROR)) {
    const traits = NormalizedSchema.of(schema as never).getMergedTraits() as { awsQueryError?: [string, number]; httpError?: number };
    if (traits.awsQueryError) statuses.set(traits.awsQueryError[0], traits.awsQueryError[1]);
  }
  return statuses;
}

/** The whole model in RawModel form (named structures, lists and maps; scalars inline). */
export function sdkRawModel(): RawModel {
  const shapes: Record<string, RawShape> = {};
  const operations: RawModel["operations"] = {};
  const walker = new Walker(shapes);
  for (const op of exportedSchemas(OPERATION)) {
    const name = String(op[2]);
    const entry: { input?: RawShape; output?: RawShape } = {};
    const input = NormalizedSchema.of(op[4] as never);
    const output = NormalizedSchema.of(op[5] as never);
    if (!input.isUnitSchema()) entry.input = walker.ref(input);
    // Query replies wrap the output in <OpResult> whatever the output shape is called.
    if (!output.isUnitSchema()) entry.output = { ...walker.ref(output), resultWrapper: `${name}Result` };
    operations[name] = entry;
  }
  return { metadata: { apiVersion: API_VERSION, xmlNamespace: XML_NAMESPACE }, operations, shapes };
}

class Walker {
  constructor(private readonly shapes: Record<string, RawShape>) {}

  /** A reference to `schema`: `{ shape: name }` for named aggregates, the scalar inline otherwise. */
  ref(schema: NormalizedSchema, owner?: string): RawShape {
    const raw = schema.getSchema();
    if (Array.isArray(raw) && (schema.isStructSchema() || schema.isListSchema() || schema.isMapSchema())) {
      const name = schema.getName()!;
      if (!(name in this.shapes)) {
        this.shapes[name] = {}; // placeholder first: recursive shapes terminate
        this.shapes[name] = this.define(schema, name);
      }
      return { shape: name };
    }
    return this.define(schema, owner);
  }

  private define(schema: NormalizedSchema, owner: string | undefined): RawShape {
    if (schema.isStructSchema()) {
      const members: Record<string, RawShape> = {};
      for (const [name, member] of schema.structIterator()) members[name] = this.member(member, `${schema.getName()}.${name}`);
      const raw = schema.getSchema() as StaticSchema;
      // Structure schemas end with the count of required members, which come first.
      const requiredCount = typeof raw[6] === "number" ? raw[6] : 0;
      return { type: "structure", members, required: Object.keys(members).slice(0, requiredCount) };
    }
    if (schema.isListSchema()) return { type: "list", member: this.member(schema.getValueSchema()) };
    if (schema.isMapSchema()) {
      return { type: "map", key: this.member(schema.getKeySchema()), value: this.member(schema.getValueSchema()) };
    }
    return { type: scalarType(schema, owner) };
  }

  /** A member reference with the member's own wire name and flattening. */
  private member(member: NormalizedSchema, path?: string): RawShape {
    const ref = this.ref(member, path);
    const traits = member.getMemberTraits() as { xmlName?: string; xmlFlattened?: number | boolean };
    if (traits.xmlName !== undefined) ref.locationName = traits.xmlName;
    if (traits.xmlFlattened) ref.flattened = true;
    return ref;
  }
}

function scalarType(schema: NormalizedSchema, path: string | undefined): string {
  if (schema.isStringSchema()) return "string";
  if (schema.isBooleanSchema()) return "boolean";
  if (schema.isTimestampSchema()) return "timestamp";
  if (schema.isBlobSchema()) return "blob";
  if (schema.isBigIntegerSchema()) return "long";
  if (schema.isBigDecimalSchema()) return "double";
  if (schema.isNumericSchema()) return path !== undefined && DOUBLE_MEMBERS.has(path) ? "double" : "integer";
  throw new Error(`Service model: ${path ?? schema.getName()} has a kind of schema the Query protocol cannot carry`);
}
