/**
 * JSON Schemas for the REST API, generated from the same ElastiCache service model the Query
 * protocol walks, so REST bodies use AWS's shapes and field names and OpenAPI documents every
 * field without a hand-written schema per operation.
 */
import type { Shape, StructureShape } from "../aws/model.ts";

export type JsonSchema = Record<string, unknown>;

export interface SchemaOptions {
  /** Reject fields the model does not have (request bodies); outputs stay open. */
  closed: boolean;
  /** Top-level members left out (they travel in the path). */
  omit?: readonly string[];
}

export function schemaOf(shape: Shape, options: SchemaOptions, seen: Set<Shape> = new Set()): JsonSchema {
  switch (shape.type) {
    case "structure":
      return structureSchema(shape, options, seen);
    case "list":
      return { type: "array", items: schemaOf(shape.member, { closed: options.closed }, seen) };
    case "map":
      return { type: "object", additionalProperties: schemaOf(shape.value, { closed: options.closed }, seen) };
    case "integer":
    case "long":
      return { type: "integer" };
    case "double":
    case "float":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "timestamp":
      return { type: "string", format: "date-time" };
    default:
      return { type: "string" };
  }
}

function structureSchema(shape: StructureShape, options: SchemaOptions, seen: Set<Shape>): JsonSchema {
  // The model has no recursive shapes today; guard anyway so a future one cannot loop forever.
  if (seen.has(shape)) return { type: "object" };
  const inner = new Set(seen).add(shape);
  const omit = new Set(options.omit ?? []);
  const properties: Record<string, JsonSchema> = {};
  for (const [name, member] of Object.entries(shape.members)) {
    if (!omit.has(name)) properties[name] = schemaOf(member, { closed: options.closed }, inner);
  }
  const required = shape.required.filter((name) => !omit.has(name) && name in properties);
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    ...(options.closed ? { additionalProperties: false } : {}),
  };
}

/** Scalar members of an input, documented as query-string parameters of a GET route. */
export function querySchemaOf(shape: StructureShape | undefined, omit: readonly string[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, member] of Object.entries(shape?.members ?? {})) {
    if (omit.includes(name)) continue;
    if (member.type === "list" && member.member.type !== "structure") {
      properties[name] = { type: "array", items: schemaOf(member.member, { closed: true }) };
    } else if (member.type !== "structure" && member.type !== "list" && member.type !== "map") {
      properties[name] = schemaOf(member, { closed: true });
    }
  }
  return { type: "object", properties, additionalProperties: false };
}

export const errorSchema: JsonSchema = {
  type: "object",
  properties: {
    Error: {
      type: "object",
      properties: {
        Type: { type: "string", enum: ["Sender", "Receiver"] },
        Code: { type: "string" },
        Message: { type: "string" },
      },
      required: ["Type", "Code", "Message"],
    },
    RequestId: { type: "string" },
  },
  required: ["Error", "RequestId"],
};
