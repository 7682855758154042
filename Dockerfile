# syntax=docker/dockerfile:1
# One image for every service of docker-compose.yml and deploy/kubernetes; the command picks the role.
# Node 24 LTS. Build stage: every dependency, generated clients (Prisma, resolver types). Runtime
# stage: production dependencies only, the generated code copied in, a non-root user, a HEALTHCHECK.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.cjs scripts/
COPY prisma prisma
COPY prisma.config.ts codegen.ts ./
COPY schema schema
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run typecheck

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall would run the generators, which are dev dependencies; their
# output comes from the build stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/generated generated
COPY apps apps
COPY gateway gateway
COPY subgraphs subgraphs
COPY lib lib
COPY schema schema
COPY prisma prisma
COPY scripts/db.ts scripts/
USER node
EXPOSE 4000 4001 4002 4003 4004 4005
# Liveness of whichever service runs: PORT for the gateway, the subgraph's port, RELAY_PORT for the relay.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tsx, not npm, as the command: npm does not pass SIGTERM on to the script.
CMD ["node_modules/.bin/tsx", "apps/gateway.main.ts"]
