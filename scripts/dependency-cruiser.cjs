/**
 * The layers of src/ (README.md, "Architecture") as import rules, checked by `npm test` before
 * the tests run: a wrong import fails CI. Each rule names the layer and what it may not import;
 * the composition root (main.ts, app.ts, catalog-probe.ts) and config/ may import anything.
 */
const layer = (name) => `^src/${name}/`;
const any = (...names) => `^src/(${names.join("|")})/`;

/** A layer that may import only itself and the given layers (and packages). */
const onlyImports = (name, allowed, comment) => ({
  name: `${name}-imports-only-${allowed.length ? allowed.join("-") : "itself"}`,
  comment,
  severity: "error",
  from: { path: layer(name) },
  to: { path: "^src/", pathNot: [layer(name), ...allowed.map(layer)] },
});

module.exports = {
  forbidden: [
    onlyImports("aws", [], "aws/ is the wire: model, Query parser, XML serializer, AwsError, the operation registry's types. It knows no layer below it."),
    onlyImports("http", ["aws", "elasticache", "domain"], "http/ routes to the operations (elasticache/) with the wire's types and errors (aws/)."),
    onlyImports("elasticache", ["aws", "domain", "store"], "elasticache/ (operations, AWS rules) uses the store and the domain, and wakes the controllers through an interface; it never reaches into the runtime, the nodes or the endpoints."),
    onlyImports("controllers", ["domain", "store", "runtime", "engines", "proxy", "metrics"], "The controllers never import AWS shapes, AWS errors or the operations."),
    onlyImports("metrics", ["aws"], "metrics/ derives ElastiCache metrics from what nodes report and serves them to Prometheus; it wraps the operation registry (aws/) to count calls, and knows no other layer."),
    onlyImports("store", ["domain", "generated"], "The store returns domain objects; it knows nothing of AWS or the controllers."),
    onlyImports("domain", [], "domain/ is plain types and pure rules both sides share."),
    onlyImports("runtime", [], "The runtime knows nothing of ElastiCache, of the store or of node clients."),
    onlyImports("engines", ["runtime"], "Node clients know nothing of ElastiCache (they may share the runtime's probe protocol table)."),
    onlyImports("proxy", [], "Endpoint proxies know only addresses."),
    onlyImports("sdk", [], "The published SDK shim carries no server code."),
    {
      name: "sdk-imports-only-its-own-dependencies",
      comment: "The published SDK shim depends on the AWS SDK's client, Smithy and the SigV4 signer only (dist/sdk's package.json lists just these).",
      severity: "error",
      from: { path: layer("sdk") },
      to: { dependencyTypesNot: ["local"], pathNot: ["node_modules/(@aws-sdk/client-elasticache|@smithy/core|@smithy/types|@smithy/signature-v4|@aws-crypto/sha256-js)/"] },
    },
    {
      name: "only-the-store-imports-prisma",
      comment: "Prisma (the generated client, its packages) and the database drivers (better-sqlite3, pg) are the store's business alone.",
      severity: "error",
      from: { pathNot: layer("store") },
      to: { path: ["^src/generated/", "node_modules/(@prisma|prisma|better-sqlite3|pg|pg-connection-string)/"] },
    },
    {
      name: "no-circular",
      comment: "Modules that import each other cannot be understood (or tested) one at a time.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    // The generated Prisma client is a target of the rules above (who imports it), not checked itself.
    doNotFollow: { path: ["node_modules", "^src/generated/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js", ".json"] },
  },
};
