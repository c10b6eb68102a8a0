import { describe, expect, it } from "vitest";
import { codeOf } from "../helpers/aws-code.ts";
import {
  dailyOverlapsWeekly,
  defaultSnapshotWindow,
  outlivedRetention,
  parseDailyWindow,
  parseWeeklyWindow,
  windowOccurrence,
} from "../../src/domain/backup-window.ts";
import { parseBackupChange, parseCreateBackup, requireSnapshottingCluster } from "../../src/elasticache/backup-settings.ts";

describe("snapshot and maintenance windows", () => {
  it("parses daily windows, across midnight too, and weekly windows across the week's end", () => {
    expect(parseDailyWindow("05:00-09:00")).toEqual({ start: 300, length: 240 });
    expect(parseDailyWindow("23:30-00:30")).toEqual({ start: 1410, length: 60 });
    expect(parseDailyWindow("5:00-09:00")).toBeUndefined();
    expect(parseDailyWindow("24:00-01:00")).toBeUndefined();
    expect(parseWeeklyWindow("sun:05:00-sun:06:00")).toEqual({ start: 300, length: 60 });
    expect(parseWeeklyWindow("Sat:23:00-sun:01:00")).toEqual({ start: 6 * 1440 + 1380, length: 120 });
    expect(parseWeeklyWindow("sun:05:00")).toBeUndefined();
  });

  it("a daily window overlaps a weekly one when they share a minute on any day", () => {
    const sunday = parseWeeklyWindow("sun:05:00-sun:06:00")!;
    expect(dailyOverlapsWeekly(parseDailyWindow("05:30-06:30")!, sunday)).toBe(true);
    expect(dailyOverlapsWeekly(parseDailyWindow("04:00-05:01")!, sunday)).toBe(true);
    expect(dailyOverlapsWeekly(parseDailyWindow("04:00-05:00")!, sunday)).toBe(false);
    expect(dailyOverlapsWeekly(parseDailyWindow("06:00-07:00")!, sunday)).toBe(false);
    // Across midnight and the week's end.
    expect(dailyOverlapsWeekly(parseDailyWindow("23:30-00:30")!, parseWeeklyWindow("sat:23:00-sun:00:10")!)).toBe(true);
    expect(dailyOverlapsWeekly(parseDailyWindow("23:30-00:30")!, parseWeeklyWindow("wed:00:30-wed:01:30")!)).toBe(false);
  });

  it("the default window is 60 minutes in the night block, stable per resource, never in the maintenance window", () => {
    const ids = Array.from({ length: 200 }, (_, i) => `group-${i}`);
    const windows = ids.map((id) => defaultSnapshotWindow(id));
    expect(windows.map((id) => defaultSnapshotWindow(id))).not.toEqual(windows.map(() => windows[0]));
    expect(ids.map((id) => defaultSnapshotWindow(id))).toEqual(windows);
    for (const window of windows) {
      const span = parseDailyWindow(window)!;
      expect(span.length).toBe(60);
      expect(span.start).toBeGreaterThanOrEqual(180);
      expect(span.start + span.length).toBeLessThanOrEqual(660);
      expect(dailyOverlapsWeekly(span, parseWeeklyWindow("sun:05:00-sun:06:00")!)).toBe(false);
    }
    const aroundSeven = parseWeeklyWindow("mon:06:00-mon:09:00")!;
    for (const id of ids) expect(dailyOverlapsWeekly(parseDailyWindow(defaultSnapshotWindow(id, "mon:06:00-mon:09:00"))!, aroundSeven)).toBe(false);
  });

  it("finds the occurrence a moment falls in, including one that began the day before", () => {
    const window = parseDailyWindow("03:00-04:00")!;
    expect(windowOccurrence(window, new Date("2030-01-02T03:00:00Z"))).toEqual({ start: new Date("2030-01-02T03:00:00Z"), end: new Date("2030-01-02T04:00:00Z") });
    expect(windowOccurrence(window, new Date("2030-01-02T03:59:59.999Z"))?.start).toEqual(new Date("2030-01-02T03:00:00Z"));
    expect(windowOccurrence(window, new Date("2030-01-02T04:00:00Z"))).toBeUndefined();
    expect(windowOccurrence(window, new Date("2030-01-02T02:59:00Z"))).toBeUndefined();
    const night = parseDailyWindow("23:30-00:30")!;
    expect(windowOccurrence(night, new Date("2030-01-02T00:10:00Z"))).toEqual({ start: new Date("2030-01-01T23:30:00Z"), end: new Date("2030-01-02T00:30:00Z") });
  });

  it("an automated snapshot outlives a retention of N days N days after it was taken; with 0 at once", () => {
    const taken = new Date("2030-01-01T03:10:00Z");
    expect(outlivedRetention(taken, 2, new Date("2030-01-03T03:09:59Z"))).toBe(false);
    expect(outlivedRetention(taken, 2, new Date("2030-01-03T03:10:00Z"))).toBe(true);
    expect(outlivedRetention(taken, 0, taken)).toBe(true);
  });
});

describe("backup settings of create and modify (AWS's rules and codes)", () => {
  it("takes a retention of 0-35 days and a window of at least 60 minutes, outside the maintenance window", () => {
    expect(parseCreateBackup({ SnapshotRetentionLimit: 35, SnapshotWindow: "05:00-09:00", PreferredMaintenanceWindow: "mon:10:00-mon:11:00" }, "g", "redis")).toEqual({
      snapshotRetentionLimit: 35,
      snapshotWindow: "05:00-09:00",
    });
    expect(codeOf(() => parseCreateBackup({ SnapshotRetentionLimit: 36 }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ SnapshotRetentionLimit: -1 }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ SnapshotWindow: "05:00-05:59" }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ SnapshotWindow: "5-6" }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ SnapshotWindow: "05:30-06:30" }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ SnapshotWindow: "10:30-11:30", PreferredMaintenanceWindow: "mon:11:00-mon:12:00" }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ PreferredMaintenanceWindow: "mon:11:00-mon:11:30" }, "g", "redis"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseCreateBackup({ PreferredMaintenanceWindow: "someday" }, "g", "redis"))).toBe("InvalidParameterValue 400");
  });

  it("assigns AWS's kind of window when none is given, apart from a maintenance window given with it", () => {
    expect(parseCreateBackup({ SnapshotRetentionLimit: 1 }, "g", "redis")).toEqual({ snapshotRetentionLimit: 1, snapshotWindow: defaultSnapshotWindow("g") });
    const { snapshotWindow } = parseCreateBackup({ PreferredMaintenanceWindow: "tue:03:00-tue:11:00" }, "g", "redis");
    expect(snapshotWindow).toBe(defaultSnapshotWindow("g", "tue:03:00-tue:11:00"));
  });

  it("Memcached takes no backups", () => {
    expect(codeOf(() => parseCreateBackup({ SnapshotRetentionLimit: 1 }, "m", "memcached"))).toBe("InvalidParameterValue 400");
    expect(parseCreateBackup({ SnapshotRetentionLimit: 0 }, "m", "memcached").snapshotRetentionLimit).toBe(0);
    expect(codeOf(() => parseBackupChange({ SnapshotRetentionLimit: 2 }, { id: "m", engine: "memcached" }))).toBe("InvalidParameterValue 400");
  });

  it("a modify checks a new window, or a new maintenance window against the current snapshot window", () => {
    const current = { id: "g", engine: "redis", snapshotWindow: "04:00-05:30" };
    expect(parseBackupChange({ SnapshotWindow: "07:00-08:00" }, current)).toEqual({ snapshotRetentionLimit: undefined, snapshotWindow: "07:00-08:00" });
    expect(parseBackupChange({}, current)).toEqual({ snapshotRetentionLimit: undefined, snapshotWindow: undefined });
    expect(codeOf(() => parseBackupChange({ PreferredMaintenanceWindow: "fri:05:00-fri:06:00" }, current))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => parseBackupChange({ SnapshotWindow: "05:00-06:00" }, current))).toBe("InvalidParameterValue 400");
  });

  it("turning backups on for a group needs SnapshottingClusterId, a member of it", () => {
    const group = { id: "g", snapshotRetentionLimit: 0, nodeGroups: [{ members: [{ id: "g-001" }, { id: "g-002" }] }] };
    expect(codeOf(() => requireSnapshottingCluster({ SnapshotRetentionLimit: 1 }, group))).toBe("InvalidParameterCombination 400");
    expect(codeOf(() => requireSnapshottingCluster({ SnapshotRetentionLimit: 1, SnapshottingClusterId: "g-003" }, group))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => requireSnapshottingCluster({ SnapshotRetentionLimit: 1, SnapshottingClusterId: "g-001" }, group))).toBe("no error");
    expect(codeOf(() => requireSnapshottingCluster({ SnapshotRetentionLimit: 3 }, { ...group, snapshotRetentionLimit: 1 }))).toBe("no error");
    expect(codeOf(() => requireSnapshottingCluster({ SnapshotRetentionLimit: 0 }, group))).toBe("no error");
  });
});
