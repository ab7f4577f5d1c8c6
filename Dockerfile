# syntax=docker/dockerfile:1
# Node.js 26 is the current LTS (Node 20 left support in April 2026); CI runs the test suite on it too (scripts/node-lts.sh).
FROM node:26-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native addon when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY solver ./solver
RUN npm run build && npm prune --omit=dev

FROM node:26-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production CHARGEPLAN_DB=/app/data/chargeplan.sqlite
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# 8080: HTTP API and pages; 9000: OCPP-J WebSocket endpoint for charging stations.
EXPOSE 8080 9000
CMD ["node", "dist/src/main.js"]
