/**
 * Automatic backups as pure rules both sides share: the daily snapshot window (`hh24:mi-hh24:mi`,
 * UTC, may cross midnight), the weekly maintenance window (`ddd:hh24:mi-ddd:hh24:mi`), whether
 * the two overlap, the window AWS assigns when none is asked for, the occurrence of a window a
 * moment falls in, and when an automated snapshot has outlived its retention. The operations use
 * them to check input; the automatic-backup controller uses them to decide what to do at a moment.
 */
import { createHash } from "node:crypto";

const DAY = 24 * 60;
const WEEK = 7 * DAY;
const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = DAY * MS_PER_MINUTE;

/** AWS's shortest snapshot and maintenance windows. */
export const MIN_WINDOW_MINUTES = 60;

/** The maintenance window every resource here reports (PreferredMaintenanceWindow is not stored). */
export const DEFAULT_MAINTENANCE_WINDOW = "sun:05:00-sun:06:00";

/** A span of minutes on a circle (a day or a week): `start` from the circle's origin, `length` minutes long. */
export interface Span {
  start: number;
  length: number;
}

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const TIME = "([01]\\d|2[0-3]):([0-5]\\d)";
const DAILY = new RegExp(`^${TIME}-${TIME}$`);
const WEEKLY = new RegExp(`^(${DAYS.join("|")}):${TIME}-(${DAYS.join("|")}):${TIME}$`, "i");

const modulo = (value: number, circle: number) => ((value % circle) + circle) % circle;

/** `hh24:mi-hh24:mi` as minutes after 00:00 UTC; undefined when it is not that format. An end before the start crosses midnight. */
export function parseDailyWindow(text: string): Span | undefined {
  const match = DAILY.exec(text);
  if (!match) return undefined;
  const [, h1, m1, h2, m2] = match.map(Number);
  const start = h1 * 60 + m1;
  return { start, length: modulo(h2 * 60 + m2 - start, DAY) };
}

/** `ddd:hh24:mi-ddd:hh24:mi` as minutes after Sunday 00:00 UTC; undefined when it is not that format. */
export function parseWeeklyWindow(text: string): Span | undefined {
  const match = WEEKLY.exec(text);
  if (!match) return undefined;
  const at = (day: string, hours: string, minutes: string) => DAYS.indexOf(day.toLowerCase() as (typeof DAYS)[number]) * DAY + Number(hours) * 60 + Number(minutes);
  const start = at(match[1], match[2], match[3]);
  return { start, length: modulo(at(match[4], match[5], match[6]) - start, WEEK) };
}

/** Whether two spans on a circle of `circle` minutes share a minute. */
function spansOverlap(a: Span, b: Span, circle: number): boolean {
  const startsInside = (x: Span, y: Span) => modulo(y.start - x.start, circle) < x.length;
  return (a.length > 0 && b.length > 0 && startsInside(a, b)) || startsInside(b, a);
}

/** Whether a daily window overlaps a weekly one on any day of the week. */
export function dailyOverlapsWeekly(daily: Span, weekly: Span): boolean {
  return DAYS.some((_, day) => spansOverlap({ start: day * DAY + daily.start, length: daily.length }, weekly, WEEK));
}

const twoDigits = (value: number) => String(value).padStart(2, "0");
const clock = (minutes: number) => `${twoDigits(Math.floor(modulo(minutes, DAY) / 60))}:${twoDigits(modulo(minutes, DAY) % 60)}`;

export function formatDailyWindow(span: Span): string {
  return `${clock(span.start)}-${clock(span.start + span.length)}`;
}

/** Where AWS picks default windows from: an 8-hour block of the night (RDS's published block for us-east-1, 03:00-11:00 UTC). */
const DEFAULT_BLOCK: Span = { start: 3 * 60, length: 8 * 60 };

/**
 * The window AWS assigns when none is asked for: 60 minutes starting on a half hour inside the
 * block, chosen by the resource (stable: the same id always gets the same window), never
 * overlapping the maintenance window (outside the block when the maintenance window covers it).
 */
export function defaultSnapshotWindow(resourceId: string, maintenanceWindow = DEFAULT_MAINTENANCE_WINDOW): string {
  const maintenance = parseWeeklyWindow(maintenanceWindow);
  const halfHoursFrom = (block: Span): Span[] =>
    Array.from({ length: (block.length - MIN_WINDOW_MINUTES) / 30 + 1 }, (_, i) => ({ start: block.start + i * 30, length: MIN_WINDOW_MINUTES }));
  const apart = (slots: Span[]) => slots.filter((slot) => !maintenance || !dailyOverlapsWeekly(slot, maintenance));
  const inBlock = halfHoursFrom(DEFAULT_BLOCK);
  const candidates = [apart(inBlock), apart(halfHoursFrom({ start: 0, length: DAY + MIN_WINDOW_MINUTES - 30 })), inBlock].find((slots) => slots.length > 0)!;
  const pick = createHash("sha256").update(resourceId).digest().readUInt32BE(0) % candidates.length;
  return formatDailyWindow(candidates[pick]);
}

/** The window a resource backs up in: its own, or (rows made before windows were kept) the one AWS would have assigned. */
export function effectiveSnapshotWindow(resource: { id: string; snapshotWindow?: string }): string {
  return resource.snapshotWindow ?? defaultSnapshotWindow(resource.id);
}

/** The occurrence of a daily window that `now` falls in (start inclusive, end exclusive), or undefined outside it. */
export function windowOccurrence(window: Span, now: Date): { start: Date; end: Date } | undefined {
  const minuteOfDay = now.getUTCHours() * 60 + now.getUTCMinutes();
  const sinceStart = modulo(minuteOfDay - window.start, DAY);
  if (sinceStart >= window.length) return undefined;
  const start = new Date(Math.floor(now.getTime() / MS_PER_MINUTE) * MS_PER_MINUTE - sinceStart * MS_PER_MINUTE);
  return { start, end: new Date(start.getTime() + window.length * MS_PER_MINUTE) };
}

/** An automated snapshot taken at `createdAt` is kept `retentionDays` days; with 0 (backups off) none is kept. */
export function outlivedRetention(createdAt: Date, retentionDays: number, now: Date): boolean {
  return now.getTime() >= createdAt.getTime() + retentionDays * MS_PER_DAY;
}

/** What an automatic backup is taken of: a replication group, or a Redis cluster outside any group. */
export interface BackupSource {
  kind: "replication-group" | "cache-cluster";
  id: string;
}

/**
 * Starts an automated snapshot of a source (the operations' side implements it, since it knows
 * what a snapshot of a group records): "started", or "not-ready" when the source is not available
 * (being modified, snapshotted, deleted); the controller then tries again while the window lasts.
 */
export interface AutomatedSnapshotStarter {
  start(source: BackupSource, at: Date): Promise<"started" | "not-ready">;
}
