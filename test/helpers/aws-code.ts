/** For tables of pure input rules: "<AWS code> <HTTP status>" of what `fn` throws, or "no error". */
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
