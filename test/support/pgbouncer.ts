/**
 * A real PgBouncer (Debian's `pgbouncer` 1.18; `.ci/run` installs it) in front of the test
 * PostgreSQL, in transaction mode with a small server pool, as a deployment with many service
 * replicas would run it. PgBouncer refuses to run as root, so it runs as `nobody`, with its
 * configuration in a folder of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitUntil } from './processes';
import { freePort } from './redis-server';

/** uid and gid of `nobody`: PgBouncer refuses to run as root. */
const NOBODY = 65534;

/** A running PgBouncer. */
export interface PgBouncer {
  port: number;
  /** `url` with its host and port replaced by PgBouncer's (same user, password and database). */
  through(url: string): string;
  /** The server connections PgBouncer holds right now, per database and user (`SHOW SERVERS`). */
  serverConnections(): Promise<number>;
  /** The most server connections PgBouncer may open per database and user. */
  poolSize: number;
  stop(): Promise<void>;
}

/** Options of {@link startPgBouncer}. */
export interface PgBouncerOptions {
  /** The PostgreSQL to pool, as an owner URL (`postgres://postgres:postgres@127.0.0.1:<port>/...`). */
  serverUrl: string;
  /** Users PgBouncer accepts, with their passwords (the same as on the server). */
  users: Record<string, string>;
  /** Server connections per database and user (`default_pool_size` and `max_db_connections`; default 3). */
  poolSize?: number;
}

/** Starts PgBouncer in transaction mode; `stop()` it in `afterAll`. */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const server = new URL(options.serverUrl);
  const port = await freePort();
  const poolSize = options.poolSize ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'supergraph-pgbouncer-'));
  chownSync(dir, NOBODY, NOBODY); // its log and pid files go here
  const admin = decodeURIComponent(server.username);
  const users = { ...options.users, [admin]: decodeURIComponent(server.password) };
  writeFileSync(
    join(dir, 'userlist.txt'),
    Object.entries(users)
      .map(([u, p]) => `"${u}" "${p}"`)
      .join('\n') + '\n',
    { mode: 0o644 },
  );
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `admin_users = ${admin}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      `max_db_connections = ${poolSize}`,
      'max_client_conn = 1000',
      // The pg driver sends it at connect; harmless to drop in transaction mode.
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    ].join('\n') + '\n',
    { mode: 0o644 },
  );
  const child: ChildProcess = spawn('pgbouncer', [join(dir, 'pgbouncer.ini')], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
  let failed: Error | undefined;
  child.on('error', (err) => (failed = new Error(`Cannot start pgbouncer (apt-get install -y pgbouncer): ${err.message}`)));
  const through = (url: string) => {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(port);
    return u.toString();
  };
  const adminUrl = () => {
    const u = new URL(through(options.serverUrl));
    u.pathname = '/pgbouncer';
    return u.toString();
  };
  /** Runs an admin console command (simple query protocol, as the console requires). */
  const console = async (command: string): Promise<Array<Record<string, unknown>>> => {
    const client = new Client({ connectionString: adminUrl() });
    await client.connect();
    try {
      const result = (await client.query({ text: command, queryMode: 'simple' } as never)) as { rows: Array<Record<string, unknown>> };
      return result.rows;
    } finally {
      await client.end();
    }
  };
  await waitUntil(
    async () => {
      if (failed) throw failed;
      return console('SHOW VERSION').then(
        () => true,
        () => false,
      );
    },
    `pgbouncer on ${port}`,
    10_000,
    50,
  );
  return {
    port,
    poolSize,
    through,
    async serverConnections() {
      const rows = await console('SHOW SERVERS');
      return rows.filter((r) => r.database !== 'pgbouncer').length;
    },
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
