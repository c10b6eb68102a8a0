/** Re-export for the REST wait (src/http/wait.ts) until it imports domain/statuses.ts itself. */
export { TRANSITIONAL_STATUSES } from "../domain/statuses.ts";
