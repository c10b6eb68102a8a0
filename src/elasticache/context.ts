/** What every service needs: the store, the account the ARNs name, the engines, and a way to wake the controllers. */
import type { Account } from "../domain/arn.ts";
import type { Catalog } from "../domain/catalog.ts";
import type { Store } from "../store/index.ts";

/** The controllers as the operations see them: something to wake after a change. */
export interface Controllers {
  /** Asks for a reconcile pass soon; services write desired state and return at once. */
  kick(): void;
}

export interface ServiceContext {
  store: Store;
  account: Account;
  /** Host name put into every endpoint returned to clients. */
  endpointHost: string;
  catalog: Catalog;
  controllers: Controllers;
}
