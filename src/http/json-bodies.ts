/**
 * REST bodies of shared outputs. A frozen output is one the operations share between requests
 * until the data changes (aws/operations.ts): its JSON, written by the route's own response
 * serializer, is encoded once and kept with it, instead of being serialized and encoded again
 * for every request (most of a big Describe's CPU under load, bench/api/profile.ts).
 */
import type { FastifyReply } from "fastify";

/** What Fastify sends with serialized JSON. */
const JSON_TYPE = "application/json; charset=utf-8";

export class JsonBodies {
  private readonly bodies = new WeakMap<object, Buffer>();

  /**
   * Sends `payload` (status 200); when `shared` (the object the payload is made of) is frozen, from
   * the bytes kept for it. `payload` must be the same for the same `shared` object.
   */
  send(reply: FastifyReply, payload: Record<string, unknown>, shared: unknown): FastifyReply {
    if (typeof shared !== "object" || shared === null || !Object.isFrozen(shared)) return reply.send(payload);
    let body = this.bodies.get(shared);
    if (body === undefined) {
      const serialize = reply.getSerializationFunction("200");
      if (!serialize) return reply.send(payload);
      body = Buffer.from(serialize(payload));
      this.bodies.set(shared, body);
    }
    return reply.type(JSON_TYPE).send(body);
  }
}
