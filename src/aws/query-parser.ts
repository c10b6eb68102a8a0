/**
 * AWS Query protocol input parsing: flat form parameters -> the typed input object, by walking the
 * operation's input shape (the inverse of the SDKs' query serializers).
 *
 *   structure   Prefix.Member                      (member locationName if modeled)
 *   list        Prefix.Name.<item>.N               <item> = modeled item locationName; `member` is
 *                                                   accepted too, as AWS does. `Prefix.Name=` -> []
 *   flattened   Prefix.<item or Name>.N
 *   map         Prefix.Name.entry.N.key / .value   (flattened: Prefix.Name.N.key)
 *
 * Policies (all errors are AwsErrors, 400):
 *   - parameters the shape does not know are rejected (InvalidParameterValue "Unknown parameter: X"):
 *     a typo such as `NumCacheCluster` would otherwise silently fall back to a default;
 *   - missing required members -> MissingParameter naming the full dotted path, for nested
 *     structures only when the structure itself was given;
 *   - list indexes must be 1..N without gaps, no 0, no leading zeros;
 *   - integers, doubles, booleans (true/false, any case) and timestamps (ISO 8601 or epoch seconds)
 *     are validated, naming the parameter.
 *
 *   - an optional top-level member given empty (`EngineVersion=`) is not given, and every string
 *     must be carriable text (input-rules.ts).
 *
 * The caller strips protocol parameters (Action, Version, X-Amz-*) before calling.
 */
import { AwsError, errors } from "./errors.ts";
import { checkText, emptyMeansUnset } from "./input-rules.ts";
import type { OperationInput } from "./operations.ts";
import { serviceModel, type ListShape, type ServiceModel, type MapShape, type Shape, type StructureShape } from "./model.ts";

/**
 * Parses `params` (already form-decoded, one value per name) into the input of `operation`.
 * `model` defaults to the ElastiCache model (another one is only useful in tests).
 */
export function parseQueryInput(
  operation: string,
  params: Record<string, string>,
  model: ServiceModel = serviceModel(),
): OperationInput {
  const op = model.operation(operation);
  if (!op) throw new AwsError("InvalidAction", `The action ${operation} is not valid for this web service.`);
  const reader = new ParamReader(params);
  const input = op.input ? (parseStructure(op.input, "", reader, true) ?? {}) : {};
  reader.rejectLeftovers();
  return input;
}

/** Tracks which parameters were consumed, so leftovers can be reported as unknown. */
class ParamReader {
  private readonly remaining: Map<string, string>;

  constructor(params: Record<string, string>) {
    this.remaining = new Map(Object.entries(params));
  }

  peek(name: string): string | undefined {
    return this.remaining.get(name);
  }

  take(name: string): string | undefined {
    const value = this.remaining.get(name);
    if (value !== undefined) this.remaining.delete(name);
    return value;
  }

  has(name: string): boolean {
    return this.remaining.has(name);
  }

  /** Names still unconsumed that start with `prefix`. */
  namesUnder(prefix: string): string[] {
    const out: string[] = [];
    for (const name of this.remaining.keys()) if (name.startsWith(prefix)) out.push(name);
    return out;
  }

  rejectLeftovers(): void {
    const [first] = this.remaining.keys();
    if (first !== undefined) throw errors.invalidParameterValue(`Unknown parameter: ${first}`);
  }
}

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

function parseValue(shape: Shape, name: string, reader: ParamReader): unknown {
  switch (shape.type) {
    case "structure":
      return parseStructure(shape, name, reader, false);
    case "list":
      return parseList(shape, name, reader);
    case "map":
      return parseMap(shape, name, reader);
    default: {
      const raw = reader.take(name);
      return raw === undefined ? undefined : parseScalar(shape.type, name, raw);
    }
  }
}

/**
 * Returns undefined when no parameter of a nested structure was given (so "absent" stays distinct
 * from "empty"); the top-level input always exists.
 */
function parseStructure(
  shape: StructureShape,
  prefix: string,
  reader: ParamReader,
  topLevel: boolean,
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [member, memberShape] of Object.entries(shape.members)) {
    const name = join(prefix, memberShape.locationName ?? member);
    if (topLevel && emptyMeansUnset(shape, member, reader.peek(name))) {
      reader.take(name);
      continue;
    }
    const value = parseValue(memberShape, name, reader);
    if (value !== undefined) out[member] = value;
  }
  if (!topLevel && Object.keys(out).length === 0) return undefined;
  for (const member of shape.required) {
    if (out[member] === undefined) {
      throw errors.missingParameter(join(prefix, shape.members[member]?.locationName ?? member));
    }
  }
  return out;
}

function parseList(shape: ListShape, name: string, reader: ParamReader): unknown[] | undefined {
  // Item prefixes we accept. Non-flattened: Name.<item>.N and Name.member.N. Flattened: the item
  // name replaces the last segment of Name (SDK v2 behaviour), and plain Name.N is accepted too.
  const itemName = shape.member.locationName ?? "member";
  let prefixes: string[];
  if (shape.flattened) {
    const parent = name.includes(".") ? name.slice(0, name.lastIndexOf(".") + 1) : "";
    prefixes = [...new Set([`${parent}${shape.member.locationName ?? name.slice(parent.length)}.`, `${name}.`])];
  } else {
    prefixes = [...new Set([`${name}.${itemName}.`, `${name}.member.`])];
  }

  const items = collectIndexes(name, prefixes, reader);
  // `Name=` with no value is how the SDKs send an empty list; a value there is a mistake.
  const empty = reader.take(name);
  if (empty !== undefined && empty !== "") {
    throw errors.invalidParameterValue(`Invalid value for parameter ${name}: a list is expected, e.g. ${prefixes[0]}1`);
  }
  if (items.size === 0) return empty === undefined ? undefined : [];
  const out: unknown[] = [];
  for (let i = 1; i <= items.size; i++) {
    const itemPrefix = items.get(i)!;
    out.push(parseValue(shape.member, `${itemPrefix}${i}`, reader));
  }
  return out;
}

function parseMap(shape: MapShape, name: string, reader: ParamReader): Record<string, unknown> | undefined {
  const prefixes = shape.flattened ? [`${name}.`] : [`${name}.entry.`];
  const entries = collectIndexes(name, prefixes, reader);
  const empty = reader.take(name);
  if (empty !== undefined && empty !== "") {
    throw errors.invalidParameterValue(`Invalid value for parameter ${name}: a map is expected, e.g. ${prefixes[0]}1`);
  }
  if (entries.size === 0) return empty === undefined ? undefined : {};
  const keyName = shape.key.locationName ?? "key";
  const valueName = shape.value.locationName ?? "value";
  const out: Record<string, unknown> = {};
  for (let i = 1; i <= entries.size; i++) {
    const entry = `${entries.get(i)!}${i}`;
    const key = parseValue(shape.key, `${entry}.${keyName}`, reader);
    if (key === undefined) throw errors.missingParameter(`${entry}.${keyName}`);
    // defineProperty: a key such as "__proto__" must stay a plain entry.
    Object.defineProperty(out, String(key), {
      value: parseValue(shape.value, `${entry}.${valueName}`, reader),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Finds the item indexes present under any of `prefixes` and checks they are exactly 1..N.
 * Returns index -> the prefix it was given with (one spelling per index).
 */
function collectIndexes(name: string, prefixes: string[], reader: ParamReader): Map<number, string> {
  const found = new Map<number, string>();
  for (const prefix of prefixes) {
    for (const param of reader.namesUnder(prefix)) {
      const rest = param.slice(prefix.length);
      const token = rest.split(".", 1)[0]!;
      // 1-based, no leading zeros; a non-numeric token under an item prefix is a malformed index.
      if (!/^[1-9]\d{0,5}$/.test(token)) {
        throw errors.invalidParameterValue(
          `Invalid list index '${token}' in parameter ${param}: indexes are 1, 2, 3, ...`,
        );
      }
      const index = Number(token);
      const previous = found.get(index);
      if (previous !== undefined && previous !== prefix) {
        throw errors.invalidParameterValue(`Item ${index} of ${name} is given twice (${previous}${index} and ${prefix}${index})`);
      }
      found.set(index, prefix);
    }
  }
  for (let i = 1; i <= found.size; i++) {
    if (!found.has(i)) {
      throw errors.invalidParameterValue(`Parameter ${name} has a gap: item ${i} is missing`);
    }
  }
  return found;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// ISO 8601 as the SDKs and the CLI send it; Date.parse alone would accept "March 7" and friends.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH_SECONDS = /^\d+(\.\d+)?$/;

function parseScalar(type: Shape["type"], name: string, raw: string): unknown {
  const invalid = (what: string) =>
    errors.invalidParameterValue(`Invalid value '${raw}' for parameter ${name}: ${what} expected`);
  switch (type) {
    case "integer":
    case "long": {
      const n = Number(raw);
      if (!INTEGER.test(raw) || !Number.isSafeInteger(n)) throw invalid("an integer");
      return n;
    }
    case "double":
    case "float": {
      const n = Number(raw);
      if (!DECIMAL.test(raw) || !Number.isFinite(n)) throw invalid("a number");
      return n;
    }
    case "boolean": {
      const lower = raw.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      throw invalid("true or false");
    }
    case "timestamp":
      return parseTimestamp(raw) ?? (() => { throw invalid("an ISO 8601 timestamp"); })();
    default:
      checkText(raw, name);
      return raw;
  }
}

function parseTimestamp(raw: string): Date | undefined {
  if (EPOCH_SECONDS.test(raw)) {
    const date = new Date(Number(raw) * 1000);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  const m = ISO_8601.exec(raw);
  if (!m) return undefined;
  // No offset means UTC on AWS; JavaScript would read a date-time without offset as local time.
  const [, year, month, day, hour, minute, second = "00"] = m;
  const fraction = /\.\d+/.exec(raw.slice(10))?.[0] ?? "";
  let zone = m[7] ?? "Z";
  if (zone.length === 5) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`; // +0100 -> +01:00
  const text = hour === undefined
    ? `${year}-${month}-${day}T00:00:00Z`
    : `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zone.toUpperCase()}`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
