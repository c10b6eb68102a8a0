/** Runs `fn` and returns the AwsError it throws (failing the test when it throws nothing or something else). */
import { expect } from "vitest";
import { AwsError } from "../../src/aws/errors.ts";

export function awsErrorOf(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AwsError);
    return err as AwsError;
  }
  throw new Error("expected an AwsError");
}
