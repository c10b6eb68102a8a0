#!/usr/bin/env bash
# npm run model:refresh — moves the ElastiCache service model to the newest
# @aws-sdk/client-elasticache: bumps the package (and @smithy/core, whose schema walker reads it,
# to the range the SDK asks for), regenerates openapi/openapi.json from the new model, runs the
# wire tests, and prints the model now in use (also shown by GET /health).
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --save @aws-sdk/client-elasticache@latest
smithy=$(node -p 'require("@aws-sdk/client-elasticache/package.json").dependencies["@smithy/core"]')
npm install --save "@smithy/core@${smithy}"
npm run openapi
npx vitest run test/aws test/api
node --import tsx -e 'const { serviceModel } = await import("./src/aws/model.ts"); console.log("model:", serviceModel().source)'
