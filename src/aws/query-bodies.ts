/**
 * Query protocol bodies of shared outputs. A frozen output is one the operations share between
 * requests until the data changes (operations.ts): its XML (about 60 KB for DescribeCacheClusters
 * of 10 groups with their nodes) is written and UTF-8 encoded once and kept with it, so a request
 * only splices its own RequestId into the stored bytes. Serializing and encoding that document
 * again for every request was most of a Describe's CPU under load (bench/api/profile.ts).
 */
import type { OperationOutput } from "./operations.ts";
import { escapeXml, serializeQueryResult } from "./xml-serializer.ts";

/** Stands for the request id in the stored document; XML-safe, so it is written as it is. */
const PLACEHOLDER = "ecl-request-id-placeholder";

interface Parts {
  operation: string;
  /** The document up to the request id, and after it. */
  head: Buffer;
  tail: Buffer;
}

const shared = new WeakMap<object, Parts>();

/** The `<OpResponse>` document of serializeQueryResult, as bytes taken from the store for a frozen output. */
export function queryResultBody(operation: string, output: OperationOutput, requestId: string): string | Buffer {
  if (!output || !Object.isFrozen(output)) return serializeQueryResult(operation, output, requestId);
  let parts = shared.get(output);
  if (parts?.operation !== operation) {
    const document = serializeQueryResult(operation, output, PLACEHOLDER);
    // ResponseMetadata is the document's last element: the last placeholder is the request id.
    const at = document.lastIndexOf(PLACEHOLDER);
    parts = { operation, head: Buffer.from(document.slice(0, at)), tail: Buffer.from(document.slice(at + PLACEHOLDER.length)) };
    shared.set(output, parts);
  }
  const id = Buffer.from(escapeXml(requestId));
  return Buffer.concat([parts.head, id, parts.tail], parts.head.length + id.length + parts.tail.length);
}
