/**
 * Rules every input obeys before an operation sees it, the same for both protocols:
 *
 * - Empty means unset: an optional top-level string member given as "" (Ansible and other tools
 *   send `EngineVersion=`, `CacheParameterGroupName=`, `CacheSubnetGroupName=` for options they
 *   leave alone) is treated as absent, as AWS does. Required members keep their "" and are refused
 *   by the operation; nested members keep it too (a tag value may be empty); an empty number or
 *   boolean is still not a number or a boolean.
 * - Text must be carriable: a string is refused (InvalidParameterValue naming the field) when it
 *   holds a lone UTF-16 surrogate (valid in JSON, but not encodable as UTF-8, so SQLite rejects it)
 *   or a character XML 1.0 cannot represent (C0 controls other than tab, LF and CR; U+FFFE,
 *   U+FFFF), since whatever is stored must come back unchanged through the Query protocol's XML.
 *   Field-specific character sets (tags, identifiers) are the operations' rules on top of this.
 */
import { errors } from "./errors.ts";
import type { StructureShape } from "./model.ts";

const UNCARRIABLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws InvalidParameterValue when `value` holds a character no reply could carry. */
export function checkText(value: string, field: string): void {
  const match = UNCARRIABLE.exec(value);
  if (match) {
    const code = match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw errors.invalidParameterValue(
      `Invalid value for parameter ${field}: character U+${code} at position ${match.index + 1} is not allowed ` +
        `(control characters other than tab and line breaks, and unpaired surrogates, cannot be stored or returned).`,
    );
  }
}

/** checkText on every string of a decoded JSON input, naming fields as `Tags[1].Value`. */
export function checkTexts(value: unknown, field = ""): void {
  if (typeof value === "string") {
    checkText(value, field || "(body)");
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkTexts(item, `${field}[${i + 1}]`));
  } else if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      checkText(key, field ? `${field} (a key)` : "(a key of the body)");
      checkTexts(item, field ? `${field}.${key}` : key);
    }
  }
}

/** True when an optional top-level member of `input` given as `value` counts as not given. */
export function emptyMeansUnset(input: StructureShape, member: string, value: unknown): boolean {
  return value === "" && input.members[member]?.type === "string" && !input.required.includes(member);
}

/** A JSON input without its optional members given as "" (see emptyMeansUnset). */
export function withoutEmptyOptionals(input: StructureShape | undefined, value: Record<string, unknown>): Record<string, unknown> {
  if (!input) return value;
  let out: Record<string, unknown> | undefined;
  for (const [member, memberValue] of Object.entries(value)) {
    if (emptyMeansUnset(input, member, memberValue)) {
      out ??= { ...value };
      delete out[member];
    }
  }
  return out ?? value;
}
