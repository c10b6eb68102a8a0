/**
 * What the runtime chooser asks of Docker before there is a runtime: does the engine answer, and
 * which engines have only the locally built images. Kept here so dockerode stays in runtime/docker/.
 */
import Docker from "dockerode";
import { DEFAULT_IMAGES, LOCAL_IMAGES, type ImageOverrides } from "../images.ts";

function client(socketPath: string): Docker {
  return new Docker({ socketPath });
}

/** True when the Docker API at `socketPath` answers a ping within 2 s. */
export async function dockerAnswers(socketPath: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([client(socketPath).ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), 2000)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * For each engine whose official images are all absent but whose local image
 * (scripts/build-images.sh) is present: the local image, so a machine without a registry works
 * out of the box. Valkey is left alone: the local image runs the Redis binary.
 */
export async function localImageOverrides(socketPath: string, images: ImageOverrides): Promise<ImageOverrides> {
  const present = await presentImages(socketPath);
  const overrides: ImageOverrides = { ...images };
  for (const engine of ["redis", "memcached"] as const) {
    const officialPresent = Object.values(DEFAULT_IMAGES[engine]).some((image) => present.has(image));
    if (!officialPresent && present.has(LOCAL_IMAGES[engine])) overrides[engine] = LOCAL_IMAGES[engine];
  }
  return overrides;
}

/** The image tags the Docker engine holds (e.g. "redis:7.0"). */
export async function presentImages(socketPath: string): Promise<Set<string>> {
  return new Set((await client(socketPath).listImages()).flatMap((image) => image.RepoTags ?? []));
}
