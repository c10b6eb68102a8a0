/** Engine images: present locally, or pulled once per runtime (concurrent starts share one pull). */
import { RuntimeError } from "../errors.ts";
import { imageUnavailableMessage } from "../images.ts";
import { ignoreStatus, messageOf, type DockerApi } from "./docker-api.ts";

export class Images {
  private readonly pulled = new Map<string, Promise<void>>();

  constructor(
    private readonly api: DockerApi,
    private readonly pullTimeoutMs: number,
  ) {}

  /** Resolves once `image` is present; RuntimeError("ImageUnavailable") when it cannot be pulled. */
  ensure(image: string): Promise<void> {
    let p = this.pulled.get(image);
    if (!p) {
      p = this.pullIfMissing(image);
      this.pulled.set(image, p);
      p.catch(() => this.pulled.delete(image));
    }
    return p;
  }

  /** Forgets what is known about `image` (it was deleted behind our back). */
  forget(image: string): void {
    this.pulled.delete(image);
  }

  clear(): void {
    this.pulled.clear();
  }

  private async pullIfMissing(image: string): Promise<void> {
    const present = await this.api.call("image.inspect", { image }, (docker) => ignoreStatus(docker.getImage(image).inspect(), 404));
    if (present) return;
    try {
      await this.api.call("image.pull", { image }, async (docker) => {
        const stream = await docker.pull(image);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`pull timed out after ${this.pullTimeoutMs} ms`)), this.pullTimeoutMs);
          docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
            clearTimeout(timer);
            const failed = err ?? output?.find((o) => o.error);
            if (failed) reject(failed instanceof Error ? failed : new Error(String(failed.error)));
            else resolve();
          });
        });
      });
    } catch (err) {
      if (err instanceof RuntimeError && err.code === "DockerUnavailable") throw err;
      throw new RuntimeError("ImageUnavailable", imageUnavailableMessage(image, messageOf(err)), { cause: err });
    }
  }
}
