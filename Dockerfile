# The control plane in a container. Nodes run as sibling containers through the mounted Docker
# socket (ECL_RUNTIME=docker), or as processes inside this container (ECL_RUNTIME=process).
#
# Two stages: `build` compiles the native module (better-sqlite3) and generates the Prisma client
# with the compilers it needs; the final image takes only node_modules and the generated client
# from it, so no compiler ships. Node 20 is the LTS the project runs on (package.json engines).

FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# Production dependencies only (tsx and prisma are among them); postinstall generates the client.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# The engines of the process runtime; nothing to compile with.
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server memcached \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/src/generated ./src/generated
COPY package.json package-lock.json prisma.config.ts tsconfig.json ./
COPY prisma ./prisma
COPY src ./src
COPY scripts ./scripts
COPY openapi ./openapi
ENV ECL_DATA_DIR=/data
VOLUME /data
EXPOSE 4599
# Ready when the store and the node runtime answer (GET /health is 503 otherwise).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ECL_PORT || 4599}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--import", "tsx", "src/main.ts"]
