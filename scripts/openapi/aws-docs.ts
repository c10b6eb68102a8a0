/**
 * AWS's documentation of ElastiCache, as the installed @aws-sdk/client-elasticache carries it in
 * the JSDoc of its type declarations: each operation's description and the errors it throws, each
 * error's description, each member's description. Read with the TypeScript compiler's own parser
 * and type checker, so nested members are found by following the real types (a member's type,
 * an array's element type), exactly as the AWS SDK's users see them.
 *
 * Generation-time only (`npm run generate`): the text lands in openapi/openapi.json, shortened to
 * its first paragraph; no AWS model or documentation file is copied into the repository.
 */
import { createRequire } from "node:module";
import ts from "typescript";

export interface OperationDocs {
  description: string;
  /** Class names from the operation's `@throws {@link …}` tags, the base exception left out. */
  errors: string[];
}

/** First paragraph of AWS's HTML as plain text (Markdown code spans), cut at a sentence near 300 characters. */
export function shortText(html: string): string {
  const paragraph = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? html;
  const text = paragraph
    .replace(/<code>([\s\S]*?)<\/code>/g, "`$1`")
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
  if (text.length <= 300) return text;
  const end = text.lastIndexOf(". ", 300);
  return end > 0 ? text.slice(0, end + 1) : `${text.slice(0, 299)}…`;
}

export class AwsDocs {
  private readonly checker: ts.TypeChecker;
  private readonly exports: Map<string, ts.Symbol>;

  constructor() {
    const require = createRequire(import.meta.url);
    const index = require.resolve("@aws-sdk/client-elasticache").replace(/dist-cjs[/\\]index\.js$/, "dist-types/index.d.ts");
    const program = ts.createProgram([index], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: [],
      skipLibCheck: true,
      noEmit: true,
    });
    this.checker = program.getTypeChecker();
    const source = program.getSourceFile(index);
    const module = source && this.checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`cannot read ${index}`);
    this.exports = new Map(this.checker.getExportsOfModule(module).map((symbol) => [symbol.name, symbol]));
  }

  private symbol(name: string): ts.Symbol | undefined {
    const symbol = this.exports.get(name);
    if (symbol === undefined) return undefined;
    return symbol.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(symbol) : symbol;
  }

  private text(symbol: ts.Symbol): string {
    return shortText(ts.displayPartsToString(symbol.getDocumentationComment(this.checker)));
  }

  operation(operation: string): OperationDocs {
    const command = this.symbol(`${operation}Command`);
    if (!command) throw new Error(`@aws-sdk/client-elasticache has no ${operation}Command`);
    // TypeScript's JSDoc parser reads `@throws {@link X}` as a type expression and loses X: use the raw comment.
    const raw = (command.declarations ?? []).flatMap((declaration) => ts.getJSDocCommentsAndTags(declaration).map((doc) => doc.getText()));
    const errors = raw.flatMap((text) => [...text.matchAll(/@throws \{@link (\w+)\}/g)].map((match) => match[1]));
    return { description: this.text(command), errors: [...new Set(errors)].filter((name) => name !== "ElastiCacheServiceException") };
  }

  /** The description of an exception class. */
  error(name: string): string {
    const symbol = this.symbol(name);
    return symbol ? this.text(symbol) : "";
  }

  /** The type of an exported interface, e.g. CreateReplicationGroupCommandInput. */
  type(name: string): ts.Type {
    const symbol = this.symbol(name);
    if (!symbol) throw new Error(`@aws-sdk/client-elasticache exports no ${name}`);
    return this.checker.getDeclaredTypeOfSymbol(symbol);
  }

  /** A member of a type: its description and its type without undefined. */
  member(type: ts.Type, name: string): { description: string; type: ts.Type } | undefined {
    const property = this.checker.getPropertyOfType(type, name);
    if (!property) return undefined;
    return { description: this.text(property), type: this.checker.getNonNullableType(this.checker.getTypeOfSymbol(property)) };
  }

  /** The item type of an array, or the value type of a string-keyed map. */
  itemOf(type: ts.Type): ts.Type | undefined {
    if (this.checker.isArrayType(type)) return this.checker.getTypeArguments(type as ts.TypeReference)[0];
    return this.checker.getIndexInfosOfType(type)[0]?.type;
  }
}
