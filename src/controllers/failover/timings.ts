/**
 * Where a failover's time goes, one log line per failover: the health monitor notes when it first
 * saw a node die (a probe connection closed, or a probe failed) and when it recorded the node
 * failed; the healer notes the election, the promotion and the moment the endpoints follow the new
 * primary. The line ("failover timings") carries each phase's duration and the epoch times, so a
 * benchmark that knows when it killed the node can say which phase is slow. In memory only: after
 * a control-plane restart the phases before it are simply missing from the line.
 */
import type { Logger } from "pino";

interface Timeline {
  /** Epoch ms of the first sign of death: the probe connection closed, or a probe failed. */
  signal?: number;
  /** Epoch ms at which the node was recorded failed. */
  failed?: number;
  elected?: number;
  promoted?: number;
}

/** Timelines older than this are dropped: a death noticed but never failed over (a replica, a flap). */
const FORGET_AFTER_MS = 10 * 60_000;

export class FailoverTimings {
  /** By member (cache cluster) id of the node that died or is failed over from. */
  private readonly timelines = new Map<string, Timeline>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Told of every failover that reached the endpoints, with its duration when known (metrics). */
    private readonly onFailover?: (totalMs: number | undefined) => void,
  ) {}

  /**
   * The monitor's sign that the node of `clusterId` is down. The first sign counts until the node
   * is recorded failed; a failover under way ignores signs (its own stop of the old primary).
   */
  signal(clusterId: string): void {
    this.forgetOld();
    const timeline = this.timelines.get(clusterId);
    if (timeline?.elected !== undefined) return;
    if (timeline?.signal !== undefined && timeline.failed === undefined) return;
    this.timelines.set(clusterId, { signal: this.now() });
  }

  failed(clusterId: string): void {
    this.at(clusterId).failed = this.now();
  }

  elected(from: string): void {
    this.at(from).elected = this.now();
  }

  promoted(from: string): void {
    this.at(from).promoted = this.now();
  }

  /** The endpoints follow the new primary: the failover is visible to clients; logs the line. */
  switched(from: string, details: Record<string, unknown>): void {
    const timeline = this.timelines.get(from) ?? {};
    this.timelines.delete(from);
    const switched = this.now();
    const span = (start?: number, end?: number) => (start === undefined || end === undefined ? undefined : end - start);
    this.logger.info(
      {
        ...details,
        from,
        detectMs: span(timeline.signal, timeline.failed),
        decideMs: span(timeline.failed, timeline.elected),
        promoteMs: span(timeline.elected, timeline.promoted),
        endpointMs: span(timeline.promoted, switched),
        totalMs: span(timeline.signal ?? timeline.elected, switched),
        at: { ...timeline, switched },
      },
      "failover timings",
    );
    this.onFailover?.(span(timeline.signal ?? timeline.elected, switched));
  }

  private at(clusterId: string): Timeline {
    let timeline = this.timelines.get(clusterId);
    if (!timeline) this.timelines.set(clusterId, (timeline = {}));
    return timeline;
  }

  private forgetOld(): void {
    const limit = this.now() - FORGET_AFTER_MS;
    for (const [clusterId, timeline] of this.timelines) {
      const last = Math.max(...Object.values(timeline).filter((value): value is number => value !== undefined));
      if (last < limit) this.timelines.delete(clusterId);
    }
  }
}
