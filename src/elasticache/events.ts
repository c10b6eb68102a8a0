/**
 * DescribeEvents with its filters. Events are written by the store in the same transaction as the
 * change they describe; their wording (AWS's) is the writer's.
 */
import { SOURCE_TYPES } from "../domain/events.ts";
import type { ServiceContext } from "./context.ts";
import { errors } from "../aws/errors.ts";
import { page, pageRequest } from "./paging.ts";
import { oneOf, optionalInt, optionalString } from "./validate.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";

function timeOf(value: unknown, param: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw errors.invalidParameterValue(`${param} must be a timestamp.`);
  return date;
}

export class EventService {
  constructor(private readonly ctx: ServiceContext) {}

  async describe(input: InputOf<"DescribeEvents">): Promise<OutputOf<"DescribeEvents">> {
    const request = pageRequest(input);
    const sourceType = oneOf(input.SourceType, "SourceType", SOURCE_TYPES);
    const sourceIdentifier = optionalString(input.SourceIdentifier, "SourceIdentifier", 255)?.toLowerCase();
    if (sourceIdentifier !== undefined && sourceType === undefined) {
      throw errors.invalidParameterCombination("SourceType must be given with SourceIdentifier.");
    }
    // Duration in minutes, default 60, at most 14 days (AWS keeps events that long).
    const duration = optionalInt(input.Duration, "Duration", 0, 20160);
    let start = timeOf(input.StartTime, "StartTime");
    let end = timeOf(input.EndTime, "EndTime");
    const now = new Date();
    if (start === undefined && end === undefined) {
      end = now;
      start = new Date(now.getTime() - (duration ?? 60) * 60_000);
    } else if (start !== undefined && end === undefined) {
      end = duration === undefined ? now : new Date(start.getTime() + duration * 60_000);
    } else if (start === undefined && end !== undefined) {
      start = new Date(end.getTime() - (duration ?? 60) * 60_000);
    }
    if (start! > end!) throw errors.invalidParameterCombination("StartTime must be before EndTime.");
    const rows = await this.ctx.store.events.list({ start: start!, end: end!, sourceType, sourceIdentifier });
    const result = page(rows, (row) => String(row.id).padStart(12, "0"), request);
    return {
      Marker: result.Marker,
      Events: result.items.map((row) => ({
        SourceIdentifier: row.sourceIdentifier,
        SourceType: row.sourceType,
        Message: row.message,
        Date: row.date,
      })),
    };
  }
}
