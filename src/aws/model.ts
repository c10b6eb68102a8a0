/**
 * The ElastiCache service model (the one aws-sdk v2 ships, same content as botocore's
 * service-2.json), loaded once and resolved into plain shape objects.
 *
 * Why walk the official model instead of hand-writing wire formats: the Query protocol's element
 * and parameter names (SubnetIds.SubnetIdentifier.N, MemberClusters/ClusterId, ...) are only
 * knowable from the model, and the JavaScript SDK silently drops list items whose element name is
 * not the modeled one. Driving the parser and serializer from the model gives every operation the
 * exact format without per-operation code.
 *
 * The minified model references named shapes ("S2x") with `{ shape: "S2x", ...overrides }` and also
 * inlines anonymous shapes. A member reference may carry its own locationName/flattened which win
 * over the target shape's. String shapes have no `type` at all (`{}`).
 */
import { createRequire } from "node:module";

export type ShapeType =
  | "structure"
  | "list"
  | "map"
  | "string"
  | "integer"
  | "long"
  | "boolean"
  | "timestamp"
  | "double"
  | "float"
  | "blob";

interface ShapeBase {
  type: ShapeType;
  /** Wire name of a member or list item (member-level wins over shape-level). */
  locationName?: string;
  /** Lists/maps: items are repeated directly instead of nested in a wrapper element. */
  flattened?: boolean;
}

export interface StructureShape extends ShapeBase {
  type: "structure";
  members: Record<string, Shape>;
  required: readonly string[];
}

export interface ListShape extends ShapeBase {
  type: "list";
  member: Shape;
}

export interface MapShape extends ShapeBase {
  type: "map";
  key: Shape;
  value: Shape;
}

export interface ScalarShape extends ShapeBase {
  type: Exclude<ShapeType, "structure" | "list" | "map">;
}

export type Shape = StructureShape | ListShape | MapShape | ScalarShape;

export interface OperationModel {
  name: string;
  /** Undefined when the operation takes no input. */
  input?: StructureShape;
  /** Undefined when the operation returns nothing (DeleteCacheSubnetGroup...): no Result element. */
  output?: StructureShape;
  /** Name of the element wrapping the output, e.g. "CreateCacheSubnetGroupResult". */
  resultWrapper?: string;
}

export interface ServiceModel {
  apiVersion: string;
  xmlNamespace: string;
  operationNames: readonly string[];
  /** Case-sensitive, like AWS: "describeReplicationGroups" is not an operation. */
  operation(name: string): OperationModel | undefined;
}

/** Raw JSON form of a shape or member reference in the minified model. */
interface RawShape {
  shape?: string;
  type?: string;
  members?: Record<string, RawShape>;
  member?: RawShape;
  key?: RawShape;
  value?: RawShape;
  required?: string[];
  locationName?: string;
  flattened?: boolean;
  resultWrapper?: string;
  [other: string]: unknown;
}

/** The JSON model file as aws-sdk v2 ships it (only the parts we read). */
export interface RawModel {
  metadata: { apiVersion: string; xmlNamespace?: string | { uri?: string } };
  operations: Record<string, { input?: RawShape; output?: RawShape }>;
  shapes: Record<string, RawShape>;
}

export const MODEL_MODULE = "aws-sdk/apis/elasticache-2015-02-02.min.json";

/** Resolves raw shapes to `Shape`s; memoized so shared (and possibly recursive) shapes resolve once. */
class ShapeResolver {
  private readonly named = new Map<string, Shape>();
  private readonly inline = new WeakMap<RawShape, Shape>();

  constructor(private readonly shapes: Record<string, RawShape>) {}

  /** A member reference: `{ shape: "S2x", locationName? }` or an inline shape. */
  resolve(ref: RawShape): Shape {
    if (ref.shape === undefined) return this.resolveInline(ref);
    const target = this.resolveNamed(ref.shape);
    const overrides: Partial<ShapeBase> = {};
    if (ref.locationName !== undefined) overrides.locationName = ref.locationName;
    if (ref.flattened !== undefined) overrides.flattened = ref.flattened;
    // Shallow copy: children stay shared with the target, so recursion still terminates.
    return Object.keys(overrides).length === 0 ? target : ({ ...target, ...overrides } as Shape);
  }

  private resolveNamed(name: string): Shape {
    const cached = this.named.get(name);
    if (cached) return cached;
    const raw = this.shapes[name];
    if (!raw) throw new Error(`Service model references unknown shape ${name}`);
    return this.build(raw, (s) => this.named.set(name, s));
  }

  private resolveInline(raw: RawShape): Shape {
    const cached = this.inline.get(raw);
    if (cached) return cached;
    return this.build(raw, (s) => this.inline.set(raw, s));
  }

  /** Registers the (still empty) shape before resolving children, so cycles find it. */
  private build(raw: RawShape, remember: (s: Shape) => void): Shape {
    const type = (raw.type ?? "string") as ShapeType;
    const base: ShapeBase = { type };
    if (raw.locationName !== undefined) base.locationName = raw.locationName;
    if (raw.flattened !== undefined) base.flattened = raw.flattened;
    switch (type) {
      case "structure": {
        const s: StructureShape = { ...base, type, members: {}, required: raw.required ?? [] };
        remember(s);
        for (const [name, member] of Object.entries(raw.members ?? {})) s.members[name] = this.resolve(member);
        return s;
      }
      case "list": {
        const s = { ...base, type } as ListShape;
        remember(s);
        s.member = this.resolve(raw.member ?? {});
        return s;
      }
      case "map": {
        const s = { ...base, type } as MapShape;
        remember(s);
        s.key = this.resolve(raw.key ?? {});
        s.value = this.resolve(raw.value ?? {});
        return s;
      }
      default: {
        const s = { ...base, type } as ScalarShape;
        remember(s);
        return s;
      }
    }
  }
}

export function buildServiceModel(raw: RawModel): ServiceModel {
  const resolver = new ShapeResolver(raw.shapes ?? {});
  const operations = new Map<string, OperationModel>();
  for (const [name, op] of Object.entries(raw.operations)) {
    const model: OperationModel = { name };
    if (op.input) model.input = asStructure(resolver.resolve(op.input), `${name} input`);
    if (op.output) {
      model.output = asStructure(resolver.resolve(op.output), `${name} output`);
      model.resultWrapper = op.output.resultWrapper ?? `${name}Result`;
    }
    operations.set(name, model);
  }
  const ns = raw.metadata.xmlNamespace;
  const apiVersion = raw.metadata.apiVersion;
  return {
    apiVersion,
    xmlNamespace:
      (typeof ns === "string" ? ns : ns?.uri) ?? `http://elasticache.amazonaws.com/doc/${apiVersion}/`,
    operationNames: [...operations.keys()],
    operation: (opName) => operations.get(opName),
  };
}

function asStructure(shape: Shape, what: string): StructureShape {
  if (shape.type !== "structure") throw new Error(`Service model: ${what} is not a structure`);
  return shape;
}

let cached: ServiceModel | undefined;

/** The ElastiCache model, loaded and resolved on first use. */
export function serviceModel(): ServiceModel {
  if (!cached) {
    // createRequire: the JSON lives in a CommonJS package without an exports map.
    const require = createRequire(import.meta.url);
    cached = buildServiceModel(require(MODEL_MODULE) as RawModel);
  }
  return cached;
}
