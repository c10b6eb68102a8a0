/** Moved to src/aws/errors.ts (the wire layer owns AWS errors); this re-export goes when elasticache/ imports from there. */
export * from "../aws/errors.ts";
