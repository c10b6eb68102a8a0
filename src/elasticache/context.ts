/** What every service needs: the store, the account the ARNs name, and a way to wake the reconciler. */
import type { Db } from "../store/database.ts";
import type { Account } from "./arn.ts";

export interface ServiceContext {
  db: Db;
  account: Account;
  /** Asks the reconciler for a pass soon; services write desired state and return at once. */
  kick(): void;
}
