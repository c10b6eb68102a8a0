/**
 * application/x-www-form-urlencoded decoding for the Query protocol (request bodies and query
 * strings).
 *
 * Not URLSearchParams: it silently keeps malformed escapes such as `%zz` and replaces invalid
 * UTF-8 with U+FFFD, which would hand corrupted values (an AuthToken, a description) to the
 * service. Here both are a MalformedQueryString error instead.
 */
import { AwsError, errors } from "./errors.ts";

/** Decoded `name=value` pairs in order of appearance; duplicates are kept. */
export type FormPairs = Array<[name: string, value: string]>;

export function decodeForm(text: string): FormPairs {
  const pairs: FormPairs = [];
  for (const part of text.split("&")) {
    if (part === "") continue; // `a=1&&b=2`, trailing `&`
    const eq = part.indexOf("=");
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? "" : part.slice(eq + 1);
    pairs.push([decodeComponent(rawName), decodeComponent(rawValue)]);
  }
  return pairs;
}

function decodeComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    throw new AwsError(
      "MalformedQueryString",
      `The request contains a malformed percent-encoded sequence: '${raw.slice(0, 100)}'`,
      400,
    );
  }
}

/**
 * Collapses pairs (query string first, then body) into one value per name. A name given twice with
 * the same value is harmless (e.g. Action in both URL and body); with different values the request
 * is ambiguous and rejected rather than silently picking one.
 */
export function collapsePairs(...sources: FormPairs[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const pairs of sources) {
    for (const [name, value] of pairs) {
      const previous = out[name];
      if (previous !== undefined && previous !== value) {
        throw errors.invalidParameterValue(`Parameter ${name} is given more than once with different values`);
      }
      out[name] = value;
    }
  }
  return out;
}
