import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/runtime/errors.ts";
import { isPortFree, pickFreePort } from "../../src/runtime/ports.ts";

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function listen(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    servers.push(s);
    s.once("error", reject);
    s.listen({ host: "127.0.0.1", port }, () => resolve((s.address() as net.AddressInfo).port));
  });
}

describe("ports", () => {
  it("isPortFree sees a listening socket", async () => {
    const port = await listen();
    expect(await isPortFree("127.0.0.1", port)).toBe(false);
    await new Promise((r) => servers.pop()!.close(r));
    expect(await isPortFree("127.0.0.1", port)).toBe(true);
  });

  it("pickFreePort skips busy and taken ports", async () => {
    const busy = await listen();
    // window [busy, busy+3]: busy is in use, busy+1 is taken -> busy+2 (if free)
    const got = await pickFreePort("127.0.0.1", [busy, busy + 3], new Set([busy + 1]));
    expect(got).toBeGreaterThanOrEqual(busy + 2);
    expect(got).toBeLessThanOrEqual(busy + 3);
  });

  it("throws NoFreePort when the range is exhausted, InvalidSpec on a bad range", async () => {
    const busy = await listen();
    await expect(pickFreePort("127.0.0.1", [busy, busy])).rejects.toMatchObject({ code: "NoFreePort" });
    await expect(pickFreePort("127.0.0.1", [busy, busy + 1], new Set([busy + 1]))).rejects.toBeInstanceOf(RuntimeError);
    await expect(pickFreePort("127.0.0.1", [10, 5])).rejects.toMatchObject({ code: "InvalidSpec" });
  });
});
