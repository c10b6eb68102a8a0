/** Listening and closing, shared by every endpoint: errors reject instead of being emitted. */
import type net from "node:net";
import type { Address } from "./address.ts";

/** Starts listening; resolves with the bound address (port 0 gives the real port), rejects on a listen error. */
export function listenOn(server: net.Server, host: string, port: number): Promise<Address> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen({ host, port }, () => {
      server.off("error", onError);
      resolve({ host, port: (server.address() as net.AddressInfo).port });
    });
  });
}

/** Stops listening (already stopped is fine). */
export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
