/**
 * Describe answers built once per shared read. The store hands the Describe operations the same
 * frozen list until the database changes (store/read-cache.ts); mapping it to AWS shapes again
 * for every request, and serializing that new object again, was most of a Describe's CPU under
 * load. So the answer for a given list and request (paging, flags) is kept with the list, frozen:
 * a new list (the database changed) gets new answers, and the old ones go with the old list.
 * A frozen output also tells the protocols that its serialized body may be kept with it
 * (aws/operations.ts).
 */
import { deepFreeze } from "../domain/frozen.ts";

/** Answers per list; a flood of distinct requests (Markers) only restarts that list's answers. */
const MAX_PER_SOURCE = 64;

const answers = new WeakMap<object, Map<string, object>>();

/** What `make` returns for `source` and `request`, made once while `source` lives, frozen. */
export function sharedAnswer<T extends object>(source: readonly unknown[], request: string, make: () => T): T {
  let bySource = answers.get(source);
  if (!bySource || bySource.size >= MAX_PER_SOURCE) answers.set(source, (bySource = new Map()));
  let answer = bySource.get(request) as T | undefined;
  if (answer === undefined) bySource.set(request, (answer = deepFreeze(make())));
  return answer;
}
