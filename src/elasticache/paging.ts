/**
 * Marker / MaxRecords paging as AWS does it: MaxRecords 20–100 (default 100); the Marker is
 * opaque to clients, here the base64url of the last key returned.
 */
import { errors } from "../aws/errors.ts";
import { optionalInt } from "./validate.ts";

export interface PageRequest {
  take: number;
  after?: string;
}

export function pageRequest(input: { MaxRecords?: unknown; Marker?: unknown }): PageRequest {
  const take = optionalInt(input.MaxRecords, "MaxRecords", 20, 100) ?? 100;
  if (input.Marker === undefined || input.Marker === null || input.Marker === "") return { take };
  if (typeof input.Marker !== "string") throw errors.invalidParameterValue("Marker must be a string.");
  const after = Buffer.from(input.Marker, "base64url").toString("utf8");
  if (!after || Buffer.from(after, "utf8").toString("base64url") !== input.Marker) {
    throw errors.invalidParameterValue(`Invalid Marker "${input.Marker}".`);
  }
  return { take, after };
}

/** Cuts a list sorted by key to one page and says where the next one starts. */
export function page<T>(items: readonly T[], key: (item: T) => string, request: PageRequest): { items: T[]; Marker?: string } {
  const start = request.after === undefined ? 0 : items.findIndex((item) => key(item) > request.after!);
  const from = start < 0 ? items.length : start;
  const slice = items.slice(from, from + request.take);
  const more = from + request.take < items.length;
  return { items: slice, Marker: more ? Buffer.from(key(slice[slice.length - 1]), "utf8").toString("base64url") : undefined };
}
