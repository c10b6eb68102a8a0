# The control plane in a container. Nodes run as sibling containers through the mounted Docker
# socket (ECL_RUNTIME=docker), or as processes inside this container (ECL_RUNTIME=process).
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server memcached python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
COPY openapi ./openapi
ENV ECL_DATA_DIR=/data
VOLUME /data
EXPOSE 4599
CMD ["node", "--import", "tsx", "src/main.ts"]
