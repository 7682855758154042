/**
 * Start-up failures as one line naming the cause and the fix: the errors an operator meets when a
 * dependency is missing or misconfigured (a port in use, a database or Redis not reachable, a
 * refused password), instead of a stack trace.
 */

/** One line for a start-up error `err` (its message when no rule matches). */
export function describeStartupError(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : '';
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${e.port ?? ''} is already in use (another instance, or another program): stop it or choose another port (PORT, TENANT_PORT, ..., RELAY_PORT, EMBEDDED_PG_PORT).`;
    case 'ECONNREFUSED':
      return `nothing answers at ${where || 'a dependency'} (${message}): start PostgreSQL or Redis there, or fix DATABASE_URL / APP_DATABASE_URL / REDIS_URL.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of a dependency does not resolve (${message}): fix DATABASE_URL / APP_DATABASE_URL / REDIS_URL.`;
    case 'EACCES':
      return `permission denied (${message}): run from a folder the current user (and, for the embedded PostgreSQL, the postgres user) can read, or use a port above 1023.`;
    case '28P01':
      return `the database refused the password (${message}): check the user and password in DATABASE_URL / APP_DATABASE_URL.`;
    case '3D000':
      return `the database does not exist (${message}): create it, or fix the database name in DATABASE_URL.`;
    default:
      return message;
  }
}
