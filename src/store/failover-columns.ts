/**
 * The failover record's format in the database: four columns of NodeGroup. This module is the
 * only code that knows them; everything else sees a FailoverRecord (domain/model.ts).
 */
import type { FailoverRecord } from "../domain/model.ts";

export interface FailoverColumns {
  failoverPhase: string | null;
  failoverFrom: string | null;
  failoverTo: string | null;
  failoverTest: boolean;
}

export function failoverOf(row: FailoverColumns): FailoverRecord | undefined {
  if (row.failoverPhase === null || row.failoverFrom === null) return undefined;
  return {
    phase: row.failoverPhase as FailoverRecord["phase"],
    from: row.failoverFrom,
    to: row.failoverTo ?? undefined,
    test: row.failoverTest,
  };
}

export function failoverColumns(record: FailoverRecord | undefined): FailoverColumns {
  return {
    failoverPhase: record?.phase ?? null,
    failoverFrom: record?.from ?? null,
    failoverTo: record?.to ?? null,
    failoverTest: record?.test ?? false,
  };
}

/** A where-clause part: no failover recorded. */
export const noFailover = { failoverPhase: null } as const;
