/**
 * What the store reports when a rule it keeps refuses a write. The operations turn these into AWS
 * errors; the controllers treat them as "the world changed, look again". Prisma's own errors never
 * leave src/store/.
 */
export type Entity = "replication-group" | "cache-cluster" | "subnet-group" | "node-group" | "snapshot" | "parameter-group" | "user" | "user-group";

/** Named after its class, so the kind of refusal survives logs and process boundaries. */
class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A row with that id exists already (a unique constraint said so). */
export class AlreadyExistsError extends StoreError {
  constructor(
    readonly entity: Entity,
    readonly id: string,
  ) {
    super(`${entity} ${id} already exists`);
  }
}

/** A port was handed out concurrently between picking and claiming it. */
export class PortTakenError extends StoreError {
  constructor(readonly port?: number) {
    super(`port ${port ?? "(one of the picked ports)"} was taken concurrently`);
  }
}

/** A conditional write found the row no longer as it was read (another writer came first). */
export class StaleWriteError extends StoreError {
  constructor(
    readonly entity: Entity,
    readonly id: string,
  ) {
    super(`${entity} ${id} changed since it was read`);
  }
}

export class NotFoundError extends StoreError {
  constructor(
    readonly entity: Entity,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** A row others refer to cannot be deleted (a foreign key said so). */
export class InUseError extends StoreError {
  constructor(
    readonly entity: Entity,
    readonly id: string,
  ) {
    super(`${entity} ${id} is in use`);
  }
}

/** A per-resource or per-account limit would be exceeded by the write. */
export class QuotaError extends StoreError {
  constructor(
    readonly quota: "tags-per-resource" | "nodes-per-account" | "test-failovers",
    readonly limit: number,
    readonly current: number,
  ) {
    super(`${quota} limit ${limit} would be exceeded (${current})`);
  }
}

/** The key a tag removal named is not on the resource. */
export class TagNotFoundError extends StoreError {
  constructor(readonly key: string) {
    super(`tag ${key} not found`);
  }
}

/** True when the write happened, false when a conditional write found the row changed. */
export async function unlessStale(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof StaleWriteError) return false;
    throw error;
  }
}

/* Prisma's error codes, recognized here and nowhere else. */

interface PrismaKnownError {
  code?: string;
  meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } };
}

/** The fields of a unique constraint a write violated, or undefined for any other error. */
export function uniqueViolation(error: unknown): string[] | undefined {
  const known = error as PrismaKnownError;
  if (typeof error !== "object" || error === null || known.code !== "P2002") return undefined;
  const fields = known.meta?.driverAdapterError?.cause?.constraint?.fields ?? known.meta?.target;
  return Array.isArray(fields) ? fields.map(String) : typeof fields === "string" ? [fields] : [];
}

export const isForeignKeyViolation = (error: unknown) => (error as PrismaKnownError | null)?.code === "P2003";
export const isRecordMissing = (error: unknown) => (error as PrismaKnownError | null)?.code === "P2025";

/** A unique violation on a port column means a port race, on anything else a duplicate id. */
export function translateUnique(error: unknown, entity: Entity, id: string): unknown {
  const fields = uniqueViolation(error);
  if (fields === undefined) return error;
  if (fields.some((field) => /port/i.test(field))) return new PortTakenError();
  return new AlreadyExistsError(entity, id);
}

/**
 * A controller's write refused by the leader lease's fencing token: another instance took the lease
 * (the epoch moved on) since this instance's controllers were started with theirs.
 */
export class FencedOutError extends StoreError {
  constructor(
    readonly epoch: number,
    readonly current: number | undefined,
  ) {
    super(`leader epoch ${epoch} is over (the lease's epoch is ${current ?? "unset"}): another instance leads`);
  }
}
