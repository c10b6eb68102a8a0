/** The AWS code and HTTP status a synchronous rule throws ("InvalidParameterValue 400"), or "no error". */
import { AwsError } from "../../src/aws/errors.ts";

export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AwsError) return `${error.code} ${error.status}`;
    throw error;
  }
  return "no error";
}
