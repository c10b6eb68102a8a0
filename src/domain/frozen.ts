/**
 * Deep freezing for values shared between requests (the store's read cache, the Describe answers
 * built from it): a caller that mutates one throws instead of corrupting the next reader's value.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
