/**
 * PrismaClient factory (Prisma 7, Rust-free client with the `pg` driver adapter).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client.ts';

export { PrismaClient };
/** Prisma's generated namespace: input, where and transaction-client types of the models. */
export type { Prisma } from '../../generated/prisma/client.ts';

/** Options of {@link createPrismaClient}. */
export interface PrismaClientOptions {
  /** PostgreSQL connection URL. */
  url: string;
  /** Pool size of the underlying `pg` pool (default 10). */
  poolSize?: number;
  /**
   * libpq `options` sent at connect (for example `-c app.tenant_id=<uuid>`): run-time settings fixed
   * for the whole life of every connection of this pool (lib/db/tenant-scope.ts uses it for
   * per-tenant pools).
   */
  connectionOptions?: string;
  /** Milliseconds an idle connection stays open (default: pg's 10 000). */
  idleTimeoutMs?: number;
  /** Called with each SQL statement Prisma sends; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

/** Creates a PrismaClient over a `pg` pool. Call `$disconnect()` on shutdown. */
export function createPrismaClient(options: PrismaClientOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(options.connectionOptions ? { options: options.connectionOptions } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMillis: options.idleTimeoutMs } : {}),
  });
  if (!options.onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const onQuery = options.onQuery;
  client.$on('query', (e) => onQuery(e.query));
  return client;
}
