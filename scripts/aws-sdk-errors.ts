/**
 * The ElastiCache errors @aws-sdk/client-elasticache knows: exception class name, wire code, HTTP
 * status and fault, read from the error schemas the SDK exports (`ReplicationGroupAlreadyExistsFault$`,
 * whose awsQueryError trait is [wire code, status]). Generation-time only: it feeds the SDK shim's
 * code-to-class table and the errors each operation documents in OpenAPI.
 */
import * as aws from "@aws-sdk/client-elasticache";

export interface SdkError {
  /** Exception class name, e.g. ReplicationGroupAlreadyExistsFault. */
  name: string;
  /** Code on the wire, e.g. ReplicationGroupAlreadyExists. */
  code: string;
  status: number;
  fault: "client" | "server";
}

/** A Smithy error schema: [-3, namespace, name, traits, member names, member schemas]. */
type ErrorSchema = [number, string, string, { awsQueryError?: [string, number]; error?: "client" | "server"; httpError?: number }, ...unknown[]];

const isErrorSchema = (value: unknown): value is ErrorSchema => Array.isArray(value) && value[0] === -3 && typeof value[3] === "object";

let cached: SdkError[] | undefined;

export function sdkErrors(): SdkError[] {
  cached ??= Object.entries(aws)
    .filter(([exported, value]) => exported.endsWith("$") && isErrorSchema(value))
    .flatMap(([, value]) => {
      const [, , name, traits] = value as ErrorSchema;
      // The service's base exception has no wire code; every modelled error has both.
      if (!traits.awsQueryError || typeof (aws as Record<string, unknown>)[name] !== "function") return [];
      const [code, status] = traits.awsQueryError;
      return [{ name, code, status, fault: traits.error ?? (status >= 500 ? "server" : "client") }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  if (cached.length === 0) throw new Error("@aws-sdk/client-elasticache exports no error schemas: its format changed");
  return cached;
}
