/** Small measuring helpers shared by the benchmarks: percentiles, process CPU and memory from /proc. */
import { readFileSync } from "node:fs";

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export const median = (values: number[]) => percentile(values, 50);

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident memory of a process in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Share of one core a process used over `ms` milliseconds. */
export async function cpuShare(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return (cpuSeconds(pid) - before) / (ms / 1000);
}

export function table(rows: Record<string, string | number>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  const width = (column: string) => Math.max(column.length, ...rows.map((row) => String(row[column]).length));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(width(columns[i]))).join(" | ")} |`;
  return [line(columns), line(columns.map((c) => "-".repeat(width(c)))), ...rows.map((row) => line(columns.map((c) => String(row[c]))))].join("\n");
}

export const fmt = (value: number, digits = 0) => value.toFixed(digits);
