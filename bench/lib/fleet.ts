/** Several control planes on one PostgreSQL database: which one leads, as GET /health says. */
import type { RunningServer } from "../../test/helpers/server.ts";

export async function leads(server: RunningServer): Promise<boolean> {
  const health = await (await fetch(`${server.url}/health`)).json();
  return health.leader === true;
}

/** [leader, follower] of two instances; throws unless exactly one leads. */
export async function leaderOf([first, second]: RunningServer[]): Promise<[RunningServer, RunningServer]> {
  const [one, two] = [await leads(first), await leads(second)];
  if (one === two) throw new Error(one ? "both instances lead" : "no instance leads");
  return one ? [first, second] : [second, first];
}
