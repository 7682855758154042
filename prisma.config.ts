import { defineConfig } from 'prisma/config';

/**
 * Prisma CLI configuration (Prisma 7 reads the connection URL from here, not from schema.prisma).
 * Only `prisma generate` is used by this project; migrations are applied by `lib/db/migrate.ts`.
 */
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/supergraph' },
});
