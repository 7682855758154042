# One image for every service of docker-compose.yml; the command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prisma-generate.cjs scripts/
COPY prisma prisma
COPY prisma.config.ts codegen.ts ./
COPY schema schema
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production
EXPOSE 4000 4001 4002 4003 4004
# tsx, not npm, as the command: npm does not pass SIGTERM on to the script.
CMD ["node_modules/.bin/tsx", "apps/gateway.main.ts"]
