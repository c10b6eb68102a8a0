/** Moved to src/aws/operations.ts (the wire layer owns the registry types); this re-export goes when elasticache/ imports from there. */
export * from "../aws/operations.ts";
