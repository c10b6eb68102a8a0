/**
 * The documentation-free form a service model is read in (from the AWS SDK's schemas by
 * sdk-model.ts, or written by hand in tests) before model.ts resolves it into shapes. Its own
 * module so that the reader and the resolver each depend on it, not on each other.
 */

/** Raw JSON form of a shape or member reference in the minified model. */
export interface RawShape {
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

/** A whole model in raw form: operations referencing named or inline shapes. */
export interface RawModel {
  metadata: { apiVersion: string; xmlNamespace?: string | { uri?: string } };
  operations: Record<string, { input?: RawShape; output?: RawShape }>;
  shapes: Record<string, RawShape>;
}
