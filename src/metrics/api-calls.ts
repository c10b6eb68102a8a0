/**
 * Counts and times every API call at the one place both protocols meet: the operation registry.
 * Each handler is wrapped; a call's code is "OK" or the AWS error code it ended with.
 */
import type { AnyOperations, OperationHandler, OperationRegistry } from "../aws/operations.ts";

export type ApiCallRecorder = (operation: string, code: string, seconds: number) => void;

export function observedOperations(operations: AnyOperations, record: ApiCallRecorder): OperationRegistry {
  const observed: OperationRegistry = {};
  for (const [operation, handler] of Object.entries(operations as Record<string, OperationHandler>)) {
    if (typeof handler !== "function") continue;
    observed[operation] = async (input, ctx) => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const output = await handler(input, ctx);
        record(operation, "OK", seconds());
        return output;
      } catch (error) {
        record(operation, (error as { code?: string }).code ?? "InternalFailure", seconds());
        throw error;
      }
    };
  }
  return observed;
}
