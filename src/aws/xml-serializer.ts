/**
 * AWS Query protocol replies: the handler's output object -> XML, by walking the operation's
 * output shape, plus the ErrorResponse document.
 *
 * Element names come from the model (member locationName, list item locationName, `member` when
 * none): the JavaScript SDK v3 looks list items up by the modeled name and turns any other name
 * into an empty list, so this is the part that must be exact.
 *
 * Written by hand rather than with fast-xml-parser's XMLBuilder: the shape walk already decides
 * every element name and order, so a builder would only add an intermediate object form, and its
 * entity handling neither escapes `\r` (which XML parsers would otherwise turn into `\n`) nor
 * drops characters XML 1.0 cannot carry.
 *
 * Output keys the shape does not know are ignored; undefined/null members are omitted. Output
 * that contradicts the shape (an object where a string is modeled, an invalid date) is a bug in
 * a handler and throws a plain Error, which the plugin turns into a 500 InternalFailure.
 */
import type { AwsError } from "./errors.ts";
import type { OperationOutput } from "./operations.ts";
import { serviceModel, type ListShape, type ServiceModel, type MapShape, type Shape, type StructureShape } from "./model.ts";

/**
 * The complete `<OpResponse>` document for a successful call of `operation`.
 * `model` defaults to the ElastiCache model (another one is only useful in tests).
 */
export function serializeQueryResult(
  operation: string,
  output: OperationOutput,
  requestId: string,
  model: ServiceModel = serviceModel(),
): string {
  const op = model.operation(operation);
  if (!op?.output) return serializeQueryResultByWalk(operation, output, requestId, model);
  try {
    return envelope(operation, element(op.resultWrapper ?? `${operation}Result`, compiledBodyOf(op.output)(output ?? {})), requestId, model);
  } catch {
    // Output that contradicts the shape: the walk finds where, for the error message.
    return serializeQueryResultByWalk(operation, output, requestId, model);
  }
}

function envelope(operation: string, result: string, requestId: string, model: ServiceModel): string {
  return (
    `<${operation}Response xmlns="${escapeXml(model.xmlNamespace)}">` +
    result +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${operation}Response>`
  );
}

/** The `<ErrorResponse>` document; Type is Sender for 4xx, Receiver for our own failures. */
export function serializeQueryError(err: AwsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${escapeXml(serviceModel().xmlNamespace)}">` +
    `<Error><Type>${escapeXml(err.type)}</Type><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId>` +
    `</ErrorResponse>`
  );
}

/**
 * The same document by the shape walk alone, without the compiled writers: the reference the
 * compiled writers are tested against, and the path that names what is wrong with bad output.
 */
export function serializeQueryResultByWalk(operation: string, output: OperationOutput, requestId: string, model: ServiceModel = serviceModel()): string {
  const op = model.operation(operation);
  if (!op) throw new Error(`Unknown operation ${operation}`);
  const wrapper = op.resultWrapper ?? `${operation}Result`;
  let result = "";
  try {
    if (op.output) result = element(wrapper, structureBody(op.output, output ?? {}));
  } catch (error) {
    throw toPlainError(error, wrapper);
  }
  return envelope(operation, result, requestId, model);
}

const element = (name: string, body: string) => (body === "" ? `<${name}/>` : `<${name}>${body}</${name}>`);

/**
 * Output that contradicts the shape. The path is collected while the error unwinds, so the walk
 * builds no path strings for the (all but always) well-formed output.
 */
class OutputError extends Error {
  readonly path: string[] = [];
  constructor(readonly detail: string) {
    super(detail);
  }
}

function toPlainError(error: unknown, root: string): unknown {
  if (!(error instanceof OutputError)) return error;
  const path = error.path.reduce((text, segment) => (segment.startsWith("[") ? text + segment : `${text}.${segment}`), root);
  return new Error(`Output ${path}: ${error.detail}`);
}

/** A structure's members in model order with their element names, computed once per shape. */
interface MemberEntry {
  member: string;
  element: string;
  shape: Shape;
}
const memberTables = new WeakMap<StructureShape, MemberEntry[]>();

function membersOf(shape: StructureShape): MemberEntry[] {
  let table = memberTables.get(shape);
  if (!table) {
    table = Object.entries(shape.members).map(([member, memberShape]) => ({ member, element: memberShape.locationName ?? member, shape: memberShape }));
    memberTables.set(shape, table);
  }
  return table;
}

function structureBody(shape: StructureShape, value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
    throw new OutputError(`a structure is expected, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  let body = "";
  for (const entry of membersOf(shape)) {
    const v = record[entry.member];
    if (v === undefined || v === null) continue;
    try {
      body += serializeMember(entry.element, entry.shape, v);
    } catch (error) {
      if (error instanceof OutputError) error.path.unshift(entry.member);
      throw error;
    }
  }
  return body;
}

/** One member as its element(s): flattened lists/maps yield several sibling elements. */
function serializeMember(name: string, shape: Shape, value: unknown): string {
  switch (shape.type) {
    case "structure":
      return element(name, structureBody(shape, value));
    case "list": {
      // Flattened: items repeat in place of the wrapper, named after the item (or the member).
      const itemName = shape.member.locationName ?? (shape.flattened ? name : "member");
      const items = listItems(shape, value, itemName);
      return shape.flattened ? items : element(name, items);
    }
    case "map": {
      const entries = mapEntries(shape, value, shape.flattened ? name : "entry");
      return shape.flattened ? entries : element(name, entries);
    }
    default:
      return element(name, escapeXml(scalarText(shape.type, value)));
  }
}

function listItems(shape: ListShape, value: unknown, itemName: string): string {
  if (!Array.isArray(value)) throw new OutputError(`a list is expected, got ${describe(value)}`);
  let body = "";
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    if (item === undefined || item === null) continue;
    try {
      body += serializeMember(itemName, shape.member, item);
    } catch (error) {
      if (error instanceof OutputError) error.path.unshift(`[${i}]`);
      throw error;
    }
  }
  return body;
}

function mapEntries(shape: MapShape, value: unknown, entryName: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OutputError(`a map is expected, got ${describe(value)}`);
  }
  const keyName = shape.key.locationName ?? "key";
  const valueName = shape.value.locationName ?? "value";
  let body = "";
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    try {
      body += `<${entryName}>${serializeMember(keyName, shape.key, k)}${serializeMember(valueName, shape.value, v)}</${entryName}>`;
    } catch (error) {
      if (error instanceof OutputError) error.path.unshift(k);
      throw error;
    }
  }
  return body;
}

function scalarText(type: Shape["type"], value: unknown): string {
  switch (type) {
    case "timestamp": {
      // Date, ISO string or epoch milliseconds; always written as ISO 8601 with milliseconds.
      const date = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw new OutputError(`a date is expected, got ${describe(value)}`);
      return date.toISOString();
    }
    case "boolean":
      if (typeof value === "boolean") return String(value);
      throw new OutputError(`a boolean is expected, got ${describe(value)}`);
    case "integer":
    case "long":
    case "double":
    case "float":
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      if (typeof value === "bigint") return String(value);
      throw new OutputError(`a number is expected, got ${describe(value)}`);
    default:
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw new OutputError(`a string is expected, got ${describe(value)}`);
  }
}

/**
 * Compiled writers: per shape, once, a function that writes a value's XML with every element
 * name, member order and scalar conversion decided in advance. Same output as the walk above
 * (tested against it for every output shape of the model), about twice as fast on a large
 * Describe; any output the walk would refuse makes them throw, and the walk then names why.
 */
type Writer = (value: unknown) => string;

const compiledBodies = new WeakMap<Shape, Writer>();

/** The content of a value of `shape` (no enclosing element). Lazy, so recursive shapes compile. */
function compiledBodyOf(shape: Shape): Writer {
  let body = compiledBodies.get(shape);
  if (!body) {
    let compiled: Writer | undefined;
    body = (value) => (compiled ??= compileBody(shape))(value);
    compiledBodies.set(shape, body);
  }
  return body;
}

const refuse = (): never => {
  throw new OutputError("output contradicts its shape");
};

function compileBody(shape: Shape): Writer {
  switch (shape.type) {
    case "structure": {
      const members = membersOf(shape).map((entry) => ({ member: entry.member, write: compiledMemberOf(entry.element, entry.shape) }));
      return (value) => {
        if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) refuse();
        const record = value as Record<string, unknown>;
        let body = "";
        for (let i = 0; i < members.length; i++) {
          const v = record[members[i].member];
          if (v !== undefined && v !== null) body += members[i].write(v);
        }
        return body;
      };
    }
    case "list":
    case "map":
      return refuse; // only reached through compiledMemberOf, which writes lists and maps itself
    default: {
      const type = shape.type;
      return (value) => escapeXml(scalarText(type, value));
    }
  }
}

/** One member as its element(s), as serializeMember writes it. */
function compiledMemberOf(name: string, shape: Shape): Writer {
  const open = `<${name}>`;
  const close = `</${name}>`;
  const empty = `<${name}/>`;
  const wrap = (body: string) => (body === "" ? empty : open + body + close);
  switch (shape.type) {
    case "structure": {
      const body = compiledBodyOf(shape);
      return (value) => wrap(body(value));
    }
    case "list": {
      const item = compiledMemberOf(shape.member.locationName ?? (shape.flattened ? name : "member"), shape.member);
      const items: Writer = (value) => {
        if (!Array.isArray(value)) refuse();
        const list = value as unknown[];
        let body = "";
        for (let i = 0; i < list.length; i++) if (list[i] !== undefined && list[i] !== null) body += item(list[i]);
        return body;
      };
      return shape.flattened ? items : (value) => wrap(items(value));
    }
    case "map": {
      const entries: Writer = (value) => mapEntries(shape, value, shape.flattened ? name : "entry");
      return shape.flattened ? entries : (value) => wrap(entries(value));
    }
    default: {
      const text = compiledBodyOf(shape);
      return (value) => wrap(text(value));
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return value === null ? "null" : typeof value;
}

const NEEDS_ESCAPE = /[&<>"'\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/**
 * Escapes text and attribute content. `\r` is written as a character reference (XML parsers turn a
 * literal CR into LF); characters XML 1.0 cannot represent at all are dropped.
 */
export function escapeXml(text: string): string {
  // Most text needs nothing escaped; testing first spares the replace and its callback.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[&<>"'\r]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      case "\r":
        return "&#xD;";
      default:
        return "";
    }
  });
}
