/**
 * A second store in a process of its own, for the concurrency tests: the other control plane.
 * Driven over IPC (structured clone, so dates travel): { url } opens a database, { repo, method,
 * args } calls a repository method; the reply carries the value, or the error's class name.
 */
import { openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";

interface Request {
  id: number;
  url?: string;
  repo?: string;
  method?: string;
  args?: unknown[];
}

let store: Store | undefined;
const pool = { range: [40000, 40999] as [number, number], isFree: async () => true };

process.on("message", async (request: Request) => {
  try {
    let value: unknown;
    if (request.url) {
      await store?.close();
      store = new Store(openDatabase(request.url), pool);
    } else {
      const repository = (store as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>)[request.repo!];
      value = await repository[request.method!](...request.args!);
    }
    process.send!({ id: request.id, value });
  } catch (error) {
    process.send!({ id: request.id, error: (error as Error).name, message: (error as Error).message });
  }
});
