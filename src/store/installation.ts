/**
 * The installation id: made at the first start of a database, read at every start after. The node
 * runtime puts it on everything it creates, so one control plane never lists, adopts or removes
 * the nodes of another that shares its Docker engine or instance name. This repository is the only
 * code that reads or writes it.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "./database.ts";

const oldestFirst = [{ createdAt: "asc" as const }, { id: "asc" as const }];

export class InstallationRepository {
  constructor(private readonly db: Db) {}

  /** This database's installation id, created when it has none. */
  async id(): Promise<string> {
    const existing = await this.db.installation.findFirst({ orderBy: oldestFirst });
    if (existing) return existing.id;
    await this.db.installation.create({ data: { id: randomUUID() } });
    // Two first starts on one shared database could both create a row: all agree on the oldest.
    const oldest = await this.db.installation.findFirst({ orderBy: oldestFirst });
    return oldest!.id;
  }
}
