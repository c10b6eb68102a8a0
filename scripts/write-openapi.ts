/** npm run openapi: regenerates openapi/openapi.json from the route schemas. */
import { writeFileSync } from "node:fs";
import { currentOpenApi } from "./openapi-document.ts";

writeFileSync(new URL("../openapi/openapi.json", import.meta.url), await currentOpenApi());
console.log("wrote openapi/openapi.json");
