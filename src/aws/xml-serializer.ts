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
  if (!op) throw new Error(`Unknown operation ${operation}`);
  let result = "";
  if (op.output) {
    const wrapper = op.resultWrapper ?? `${operation}Result`;
    result = element(wrapper, structureBody(op.output, output ?? {}, wrapper));
  }
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

const element = (name: string, body: string) => (body === "" ? `<${name}/>` : `<${name}>${body}</${name}>`);

function structureBody(shape: StructureShape, value: unknown, path: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
    throw new Error(`Output ${path}: a structure is expected, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  let body = "";
  for (const [member, memberShape] of Object.entries(shape.members)) {
    const v = record[member];
    if (v === undefined || v === null) continue;
    body += serializeMember(memberShape.locationName ?? member, memberShape, v, `${path}.${member}`);
  }
  return body;
}

/** One member as its element(s): flattened lists/maps yield several sibling elements. */
function serializeMember(name: string, shape: Shape, value: unknown, path: string): string {
  switch (shape.type) {
    case "structure":
      return element(name, structureBody(shape, value, path));
    case "list": {
      const items = listItems(shape, value, path);
      // Flattened: items repeat in place of the wrapper, named after the item (or the member).
      return shape.flattened ? items(shape.member.locationName ?? name) : element(name, items(shape.member.locationName ?? "member"));
    }
    case "map": {
      const entries = mapEntries(shape, value, path);
      return shape.flattened ? entries(name) : element(name, entries("entry"));
    }
    default:
      return element(name, escapeXml(scalarText(shape.type, value, path)));
  }
}

function listItems(shape: ListShape, value: unknown, path: string): (itemName: string) => string {
  if (!Array.isArray(value)) throw new Error(`Output ${path}: a list is expected, got ${describe(value)}`);
  return (itemName) =>
    value
      .map((item, i) => (item === undefined || item === null ? "" : serializeMember(itemName, shape.member, item, `${path}[${i}]`)))
      .join("");
}

function mapEntries(shape: MapShape, value: unknown, path: string): (entryName: string) => string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`Output ${path}: a map is expected, got ${describe(value)}`);
  }
  const keyName = shape.key.locationName ?? "key";
  const valueName = shape.value.locationName ?? "value";
  return (entryName) =>
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(
        ([k, v]) =>
          `<${entryName}>` +
          serializeMember(keyName, shape.key, k, `${path}.${k}`) +
          serializeMember(valueName, shape.value, v, `${path}.${k}`) +
          `</${entryName}>`,
      )
      .join("");
}

function scalarText(type: Shape["type"], value: unknown, path: string): string {
  switch (type) {
    case "timestamp": {
      // Date, ISO string or epoch milliseconds; always written as ISO 8601 with milliseconds.
      const date = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw new Error(`Output ${path}: a date is expected, got ${describe(value)}`);
      return date.toISOString();
    }
    case "boolean":
      if (typeof value === "boolean") return String(value);
      throw new Error(`Output ${path}: a boolean is expected, got ${describe(value)}`);
    case "integer":
    case "long":
    case "double":
    case "float":
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      if (typeof value === "bigint") return String(value);
      throw new Error(`Output ${path}: a number is expected, got ${describe(value)}`);
    default:
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
      throw new Error(`Output ${path}: a string is expected, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  return value === null ? "null" : typeof value;
}

/**
 * Escapes text and attribute content. `\r` is written as a character reference (XML parsers turn a
 * literal CR into LF); characters XML 1.0 cannot represent at all are dropped.
 */
export function escapeXml(text: string): string {
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
