/** Engine images: present locally, or pulled once per runtime (concurrent starts share one pull). */
import { RuntimeError } from "../errors.ts";
import { imageUnavailableMessage } from "../images.ts";
import type { RuntimeLogger } from "../logger.ts";
import { ignoreStatus, messageOf, type DockerApi } from "./docker-api.ts";

/** One event of the engine's pull stream (one per layer and step). */
export interface PullEvent {
  id?: string;
  status?: string;
  error?: string;
  progressDetail?: { current?: number; total?: number };
}

/** How far a pull is, summed over the layers reported so far (a layer's total is known once it starts downloading). */
export function pullProgress(events: PullEvent[]): { layers: number; done: number; currentBytes: number; totalBytes: number } {
  const layers = new Map<string, { current: number; total: number; done: boolean }>();
  for (const event of events) {
    if (!event.id || !event.status || event.id === "latest" || /^Pulling from/.test(event.status)) continue;
    const layer = layers.get(event.id) ?? { current: 0, total: 0, done: false };
    if (event.status === "Downloading" && event.progressDetail?.total) {
      layer.current = event.progressDetail.current ?? layer.current;
      layer.total = event.progressDetail.total;
    }
    if (/^(Download complete|Pull complete|Already exists)$/.test(event.status)) {
      layer.current = layer.total;
      if (event.status !== "Download complete") layer.done = true;
    }
    layers.set(event.id, layer);
  }
  const all = [...layers.values()];
  return {
    layers: all.length,
    done: all.filter((layer) => layer.done).length,
    currentBytes: all.reduce((sum, layer) => sum + layer.current, 0),
    totalBytes: all.reduce((sum, layer) => sum + layer.total, 0),
  };
}

/** A progress line at most this often while an image is pulled. */
const PROGRESS_EVERY_MS = 2_000;

export class Images {
  private readonly pulled = new Map<string, Promise<void>>();

  constructor(
    private readonly api: DockerApi,
    private readonly pullTimeoutMs: number,
    private readonly log?: RuntimeLogger,
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
    const started = Date.now();
    this.log?.info?.({ image }, `pulling image ${image} (nodes of this engine start once it is here)`);
    try {
      await this.api.call("image.pull", { image }, async (docker) => {
        const stream = await docker.pull(image);
        const events: PullEvent[] = [];
        let lastTold = Date.now();
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`pull timed out after ${this.pullTimeoutMs} ms`)), this.pullTimeoutMs);
          docker.modem.followProgress(
            stream,
            (err: Error | null, output: PullEvent[]) => {
              clearTimeout(timer);
              const failed = err ?? output?.find((o) => o.error);
              if (failed) reject(failed instanceof Error ? failed : new Error(String(failed.error)));
              else resolve();
            },
            (event: PullEvent) => {
              events.push(event);
              if (Date.now() - lastTold < PROGRESS_EVERY_MS) return;
              lastTold = Date.now();
              const progress = pullProgress(events);
              const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
              this.log?.info?.({ image, ...progress }, `pulling image ${image}: ${progress.done}/${progress.layers} layers, ${mb(progress.currentBytes)} of ${mb(progress.totalBytes)} MB`);
            },
          );
        });
      });
      this.log?.info?.({ image, ms: Date.now() - started }, `image ${image} pulled`);
    } catch (err) {
      this.log?.warn?.({ image, err: messageOf(err) }, `image ${image} could not be pulled`);
      if (err instanceof RuntimeError && err.code === "DockerUnavailable") throw err;
      throw new RuntimeError("ImageUnavailable", imageUnavailableMessage(image, messageOf(err)), { cause: err });
    }
  }
}
