/**
 * npm run build:sdk: builds the SDK shim (src/sdk) into its own package in dist/sdk, which is what
 * `npm pack dist/sdk` / `npm publish dist/sdk` ship: JavaScript for ESM (esm/) and CommonJS (cjs/),
 * each with type declarations, a package.json whose exports map points `import` and `require` at
 * them, and only the dependencies the shim uses (the AWS SDK for its types, exception classes
 * and waiter/paginator engine). No server code can slip in: the compilation's root is src/sdk, so
 * an import from outside it fails the build.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const source = path.join(root, "src/sdk");
const SDK_DIST = path.join(root, "dist/sdk");
/** The packages the shim imports; their version ranges come from the root package.json. */
const DEPENDENCIES = ["@aws-sdk/client-elasticache", "@aws-crypto/sha256-js", "@smithy/core", "@smithy/signature-v4", "@smithy/types"];

const rootPackage = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
};

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  throw new Error(`SDK build failed:\n${ts.formatDiagnostics(diagnostics, host)}`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith(".ts") ? [file] : [];
  });
}

/** ESM JavaScript and declarations, type-checked; the declarations serve both formats. */
function buildEsm(outDir: string): void {
  const program = ts.createProgram([path.join(source, "index.ts")], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    strict: true,
    // Every file must also compile alone: the CommonJS build transpiles file by file.
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    declaration: true,
    rootDir: source,
    outDir,
    newLine: ts.NewLineKind.LineFeed,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) fail(diagnostics);
  const emitted = program.emit();
  if (emitted.emitSkipped || emitted.diagnostics.length > 0) fail(emitted.diagnostics);
}

/** CommonJS JavaScript, file by file; declarations copied from the ESM build (same exports). */
function buildCjs(outDir: string, esmDir: string): void {
  for (const file of sourceFiles(source)) {
    const relative = path.relative(source, file);
    const output = ts.transpileModule(readFileSync(file, "utf8"), {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        newLine: ts.NewLineKind.LineFeed,
      },
    });
    if (output.diagnostics?.length) fail(output.diagnostics);
    const target = path.join(outDir, relative.replace(/\.ts$/, ".js"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
    const declaration = relative.replace(/\.ts$/, ".d.ts");
    copyFileSync(path.join(esmDir, declaration), path.join(outDir, declaration));
  }
}

function packageJson(): object {
  const dependencies = Object.fromEntries(
    DEPENDENCIES.map((name) => {
      const range = rootPackage.dependencies[name];
      if (!range) throw new Error(`${name} is imported by src/sdk but is not a dependency in package.json`);
      return [name, range];
    }),
  );
  return {
    name: "elasticache-local-sdk",
    version: rootPackage.version,
    description: "Typed client of elasticache-local's REST API, shaped like @aws-sdk/client-elasticache: commands, exception classes, waiters, paginators",
    license: rootPackage.license,
    keywords: ["elasticache", "redis", "memcached", "aws", "emulator", "sdk"],
    engines: { node: ">=18" },
    sideEffects: false,
    main: "./cjs/index.js",
    types: "./cjs/index.d.ts",
    exports: {
      ".": {
        import: { types: "./esm/index.d.ts", default: "./esm/index.js" },
        require: { types: "./cjs/index.d.ts", default: "./cjs/index.js" },
      },
      "./package.json": "./package.json",
    },
    files: ["esm", "cjs"],
    dependencies,
  };
}

function buildSdk(): void {
  rmSync(SDK_DIST, { recursive: true, force: true });
  const esm = path.join(SDK_DIST, "esm");
  const cjs = path.join(SDK_DIST, "cjs");
  buildEsm(esm);
  buildCjs(cjs, esm);
  // Each folder says which module format its .js files are.
  writeFileSync(path.join(esm, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
  writeFileSync(path.join(cjs, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  writeFileSync(path.join(SDK_DIST, "package.json"), `${JSON.stringify(packageJson(), null, 2)}\n`);
  copyFileSync(path.join(source, "README.md"), path.join(SDK_DIST, "README.md"));
}

buildSdk();
console.log(`built ${path.relative(root, SDK_DIST)}`);
