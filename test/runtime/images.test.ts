import { describe, expect, it } from "vitest";
import { RuntimeError } from "../../src/runtime/errors.ts";
import { DEFAULT_IMAGES, LOCAL_IMAGES, imageFor, imageOverridesFromEnv, imageUnavailableMessage, resolveImageTable } from "../../src/runtime/images.ts";

describe("image table", () => {
  it("defaults to the official images, by major.minor", () => {
    const t = resolveImageTable();
    expect(imageFor(t, "redis", "7.0")).toBe("redis:7.0");
    expect(imageFor(t, "redis", "7.0.15")).toBe("redis:7.0");
    expect(imageFor(t, "redis", "6.x")).toBe("redis:6.2");
    expect(imageFor(t, "redis", "7.1")).toBe("redis:7.2");
    expect(imageFor(t, "valkey", "7.2")).toBe("valkey/valkey:7.2");
    expect(imageFor(t, "valkey", "8.0.1")).toBe("valkey/valkey:8.0");
    expect(imageFor(t, "memcached", "1.6.22")).toBe("memcached:1.6");
    expect(imageFor(t, "memcached", "9.9")).toBe("memcached:1.6"); // "*"
  });

  it("string overrides replace every version; map overrides merge", () => {
    const t = resolveImageTable({ redis: "elasticache-local/redis:7.0", memcached: { "1.6": "my/memcached:1.6" } });
    expect(imageFor(t, "redis", "6.2")).toBe("elasticache-local/redis:7.0");
    expect(imageFor(t, "memcached", "1.6.12")).toBe("my/memcached:1.6");
    expect(imageFor(t, "memcached", "1.5")).toBe("memcached:1.5");
    expect(imageFor(t, "valkey", "7.2")).toBe("valkey/valkey:7.2");
    expect(DEFAULT_IMAGES.redis["7.0"]).toBe("redis:7.0"); // defaults untouched
  });

  it("throws InvalidSpec when nothing matches", () => {
    const t = resolveImageTable({ redis: {} }, { redis: { "7.0": "a" }, valkey: {}, memcached: {} });
    expect(() => imageFor(t, "valkey", "7.2")).toThrow(RuntimeError);
  });

  it("reads overrides from an environment object", () => {
    expect(imageOverridesFromEnv({})).toEqual({});
    expect(imageOverridesFromEnv({ ECL_IMAGES: "local" })).toEqual(LOCAL_IMAGES);
    expect(imageOverridesFromEnv({ ECL_IMAGES: "local", ECL_IMAGE_MEMCACHED: "m:1" })).toEqual({ ...LOCAL_IMAGES, memcached: "m:1" });
    expect(imageOverridesFromEnv({ ECL_IMAGE_REDIS: "7.0=a:1, 6.2=b:2" })).toEqual({ redis: { "7.0": "a:1", "6.2": "b:2" } });
    expect(() => imageOverridesFromEnv({ ECL_IMAGE_VALKEY: "=x" })).toThrow(/ECL_IMAGE_VALKEY/);
    const local = resolveImageTable(imageOverridesFromEnv({ ECL_IMAGES: "local" }));
    expect(imageFor(local, "valkey", "8.0")).toBe("elasticache-local/redis:7.0");
  });

  it("tells the user how to build images", () => {
    const msg = imageUnavailableMessage("redis:7.0", "no such host");
    expect(msg).toContain('"redis:7.0"');
    expect(msg).toContain("bash scripts/build-images.sh");
  });
});
