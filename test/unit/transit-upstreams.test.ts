/**
 * How endpoints reach nodes for transit encryption, during an in-place change too: the endpoint
 * keeps the mode before the change while any node still waits for its restart, then takes the
 * new one; each node is reached as it serves at the moment (a restarted node as the new mode says,
 * one still waiting as the old one), and a client with no port of its protocol gets no upstream.
 */
import { describe, expect, it } from "vitest";
import type { Address, CacheNode } from "../../src/domain/model.ts";
import type { NodeSecurity, TransitState } from "../../src/domain/security.ts";
import { endpointTransitOf, upstreamOf } from "../../src/controllers/transit-upstreams.ts";

const admin: Address = { host: "127.0.0.1", port: 7001 };
const tlsAdmin: Address = { host: "127.0.0.1", port: 7002 };
const node = (status: string, withTls = true) => ({ status, admin, ...(withTls ? { tlsAdmin } : {}) }) as unknown as CacheNode & { admin: Address };
const security = (state: TransitState, previousTransit?: TransitState): NodeSecurity => ({
  transitEncryption: state !== "off",
  ...(state === "off" ? {} : { transitEncryptionMode: state }),
  authTokens: [],
  ...(previousTransit ? { previousTransit } : {}),
});

describe("endpointTransitOf", () => {
  it("is the group's mode when nothing changes", () => {
    expect(endpointTransitOf(security("preferred"), [node("available")])).toBe("preferred");
    expect(endpointTransitOf(security("off"), [node("rebooting")])).toBe("off");
  });

  it("keeps the previous mode while a node still waits for its restart, then takes the new one", () => {
    expect(endpointTransitOf(security("required", "preferred"), [node("available"), node("rebooting")])).toBe("preferred");
    expect(endpointTransitOf(security("required", "preferred"), [node("available"), node("available")])).toBe("required");
  });
});

describe("upstreamOf", () => {
  it("settled modes: off plain only, preferred both ports, required TLS on the client port", () => {
    expect(upstreamOf("off", security("off"), node("available", false))).toEqual(admin);
    expect(upstreamOf("preferred", security("preferred"), node("available"))).toEqual({ plain: admin, tls: tlsAdmin });
    expect(upstreamOf("required", security("required"), node("available", false))).toEqual({ tls: admin });
  });

  it("step 1 (off -> preferred) in an off endpoint: the plain port, before and after the node's restart", () => {
    expect(upstreamOf("off", security("preferred", "off"), node("rebooting", false))).toEqual(admin);
    expect(upstreamOf("off", security("preferred", "off"), node("available"))).toEqual(admin);
  });

  it("step 2 (preferred -> required) in a preferred endpoint: a restarted node takes TLS on its client port, plain clients nowhere", () => {
    expect(upstreamOf("preferred", security("required", "preferred"), node("rebooting"))).toEqual({ plain: admin, tls: tlsAdmin });
    expect(upstreamOf("preferred", security("required", "preferred"), node("available", false))).toEqual({ plain: undefined, tls: admin });
  });

  it("going back: required -> preferred reaches the new TLS listener; preferred -> off leaves TLS clients nowhere", () => {
    expect(upstreamOf("required", security("preferred", "required"), node("rebooting", false))).toEqual({ tls: admin });
    expect(upstreamOf("required", security("preferred", "required"), node("available"))).toEqual({ tls: tlsAdmin });
    expect(upstreamOf("preferred", security("off", "preferred"), node("available", false))).toEqual({ plain: admin, tls: undefined });
  });

  it("has no upstream for a required endpoint when the node has no TLS port recorded yet", () => {
    expect(upstreamOf("required", security("preferred", "required"), node("available", false))).toBeUndefined();
  });
});
