/** What every service needs: the store, the account the ARNs name, ports, engines, and a way to wake the reconciler. */
import type { Db } from "../store/database.ts";
import type { Account } from "../domain/arn.ts";
import type { Catalog } from "../domain/catalog.ts";
import type { PortPool } from "./ports.ts";

export interface ServiceContext {
  db: Db;
  account: Account;
  /** Host name put into every endpoint returned to clients. */
  endpointHost: string;
  ports: PortPool;
  catalog: Catalog;
  /** Asks the reconciler for a pass soon; services write desired state and return at once. */
  kick(): void;
}
