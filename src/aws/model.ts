/**
 * The ElastiCache service model, resolved into plain shape objects that the Query parser, the XML
 * serializer and the REST schemas walk.
 *
 * Why walk the official model instead of hand-writing wire formats: the Query protocol's element
 * and parameter names (SubnetIds.SubnetIdentifier.N, MemberClusters/ClusterId, ...) are only
 * knowable from the model, and the JavaScript SDK silently drops list items whose element name is
 * not the modeled one. Driving the parser and serializer from the model gives every operation the
 * exact format without per-operation code.
 *
 * The model comes from @aws-sdk/client-elasticache's own schemas (sdk-model.ts), in the
 * documentation-free `RawModel` form (raw-model.ts): named shapes referenced as `{ shape: "Name",
 * ...overrides }` beside inline ones. A member reference may carry its own locationName/flattened,
 * which win over the target shape's. Tests build small synthetic models in the same form.
 */
import type { RawModel, RawShape } from "./raw-model.ts";
import { sdkErrorStatuses, sdkModelVersion, sdkRawModel } from "./sdk-model.ts";

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
  /** Where the model comes from, e.g. "@aws-sdk/client-elasticache@3.1127.0". */
  source: string;
  operationNames: readonly string[];
  /** Case-sensitive, like AWS: "describeReplicationGroups" is not an operation. */
  operation(name: string): OperationModel | undefined;
  /** HTTP status of a modeled error by wire code (ReplicationGroupNotFoundFault -> 404). */
  errorStatus(code: string): number | undefined;
}

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

export interface ModelExtras {
  source?: string;
  errorStatuses?: ReadonlyMap<string, number>;
}

export function buildServiceModel(raw: RawModel, extras: ModelExtras = {}): ServiceModel {
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
    source: extras.source ?? "synthetic",
    operationNames: [...operations.keys()],
    operation: (opName) => operations.get(opName),
    errorStatus: (code) => extras.errorStatuses?.get(code),
  };
}

function asStructure(shape: Shape, what: string): StructureShape {
  if (shape.type !== "structure") throw new Error(`Service model: ${what} is not a structure`);
  return shape;
}

let cached: ServiceModel | undefined;

/** The ElastiCache model of the installed @aws-sdk/client-elasticache, loaded and resolved on first use. */
export function serviceModel(): ServiceModel {
  cached ??= buildServiceModel(sdkRawModel(), {
    source: `@aws-sdk/client-elasticache@${sdkModelVersion()}`,
    errorStatuses: sdkErrorStatuses(),
  });
  return cached;
}

